//! Argo CD `Application` and `AppProject` (argoproj.io/v1alpha1).

use serde::Serialize;

/// An Application. (Filled in by the GitOps work.)
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {}

/// An AppProject. (Filled in by the GitOps work.)
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppProject {}
