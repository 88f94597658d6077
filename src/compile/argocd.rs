//! Argo CD objects in `out/argocd/`: one AppProject per platform, one Application per
//! (cluster, namespace) folder. (Filled in by the GitOps work.)

use super::Object;
use crate::model::{ArgoCd, Platform};

pub(super) fn compile(
    _p: &Platform,
    _argocd: &ArgoCd,
    _folders: &[String],
    _out: &mut Vec<Object>,
) {
}
