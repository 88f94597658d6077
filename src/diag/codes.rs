//! Stable diagnostic codes. A code, once released, keeps its meaning; `platc explain CODE`
//! prints the text kept here.

/// A stable diagnostic code such as `E0101`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(pub &'static str);

impl Code {
    /// The code as printed (`E0101`).
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

macro_rules! codes {
    ($($konst:ident = $code:literal, $name:literal, $text:literal;)*) => {
        $(#[doc = $name] pub const $konst: Code = Code($code);)*
        /// Every code: (code, short name, explanation).
        pub const CODES: &[(Code, &str, &str)] = &[$(($konst, $name, $text)),*];
    };
}

codes! {
    TOML_SYNTAX = "E0001", "toml-syntax",
        "The file is not valid TOML (an unclosed string or table, a duplicate key, a bad value). \
         Fix the syntax at the caret; nothing else can be checked until the file parses.";
    UNKNOWN_KEY = "E0002", "unknown-key",
        "A key that platform.toml does not define. Usually a typo: platc suggests the closest \
         valid key. Unknown keys are errors, not ignored, so a misspelled setting never silently \
         does nothing.";
    WRONG_TYPE = "E0003", "wrong-type",
        "A value of the wrong TOML type, e.g. a number where a string is expected \
         (`pods = \"200\"` instead of `pods = 200`). The message names the type expected.";
    MISSING_KEY = "E0004", "missing-key",
        "A required key is missing from a table (e.g. a pipeline without `schedule` or `image`).";
    INVALID_CHOICE = "E0005", "invalid-choice",
        "A value outside a fixed set, e.g. `concurrency = \"sometimes\"`. The help lists the valid \
         values.";
    OUT_OF_RANGE = "E0006", "out-of-range",
        "A number or list outside its allowed range (a port above 65535, an empty `steps` list, \
         negative retries).";
    INVALID_NAME = "E0101", "invalid-name",
        "Names of namespaces, clusters and objects must be DNS-1123 labels: at most 63 characters \
         of lower-case letters, digits and `-`, starting and ending with a letter or digit. \
         Kubernetes rejects anything else.";
    NAME_TOO_LONG = "E0102", "name-too-long",
        "A pipeline name is at most 52 characters: the CronJob controller appends an 11-character \
         suffix to name its Jobs, and Job names are DNS labels of at most 63.";
    INVALID_LABEL = "E0103", "invalid-label",
        "A label key must be a qualified name (optional DNS subdomain prefix and `/`, then at most \
         63 characters of `[A-Za-z0-9._-]` starting and ending alphanumeric); a value is empty or \
         at most 63 such characters. The API server rejects others.";
    INVALID_QUANTITY = "E0104", "invalid-quantity",
        "Resource amounts use Kubernetes quantity syntax: a number with an optional suffix, \
         decimal (`m`, `k`, `M`, `G`, `T`, `P`, `E`) or binary (`Ki`, `Mi`, `Gi`, `Ti`, `Pi`, \
         `Ei`), e.g. `500m`, `1`, `512Mi`, `400Gi`. `GB` or `1.5 Gi` are not quantities.";
    LIMIT_BELOW_REQUEST = "E0105", "limit-below-request",
        "A limit smaller than the matching request. The API server rejects such a pod or quota; \
         raise the limit or lower the request.";
    INVALID_SCHEDULE = "E0106", "invalid-schedule",
        "A CronJob schedule is five fields (minute hour day-of-month month day-of-week) with \
         numbers, ranges `1-5`, steps `*/15`, lists `1,15`, names `MON`/`JAN`, or one of \
         @hourly, @daily, @weekly, @monthly, @yearly (also @annually, @midnight). No seconds \
         field and no `L`, `W` or `#`: the CronJob controller does not understand them.";
    INVALID_TIME_ZONE = "E0107", "invalid-time-zone",
        "`time_zone` must be an IANA time zone name such as `Etc/UTC` or `Europe/London`, as in \
         the tz database the kube-controller-manager uses. Abbreviations like `CET` offsets like \
         `+01:00` are not accepted by CronJob.spec.timeZone.";
    INVALID_DURATION = "E0108", "invalid-duration",
        "Durations are a whole number followed by one unit: `s`, `m`, `h` or `d` (`30s`, `10m`, \
         `26h`, `7d`).";
    INVALID_CIDR = "E0109", "invalid-cidr",
        "A network peer that is not `self`, `namespace:NAME` or `service:NAME` must be a CIDR \
         such as `10.0.0.0/8` or `0.0.0.0/0`, with no host bits set.";
    INVALID_PEER = "E0110", "invalid-peer",
        "A reference string of the wrong shape: network peers are `self`, `namespace:NAME`, \
         `service:NAME` or a CIDR; subjects are `serviceaccount:NAME`, `serviceaccount:NS/NAME`, \
         `group:NAME` or `user:NAME`.";
    INVALID_IMAGE = "E0111", "invalid-image",
        "A container image reference that a container runtime cannot pull: empty, with spaces or \
         upper-case letters in the repository.";
    INVALID_VALUE = "E0112", "invalid-value",
        "A value that is well-typed but not allowed here (an empty string, a duplicate list \
         entry, an environment variable name with illegal characters).";
    UNRESOLVED_REFERENCE = "E0201", "unresolved-reference",
        "A reference to something the config does not define: a role binding's role or service \
         account, a pipeline's service account, a `service:NAME` peer, a topic's service, a \
         namespace's cluster. The help lists what is defined.";
    DUPLICATE_OBJECT = "E0202", "duplicate-object",
        "Two parts of the config generate the same object (kind, namespace and name), or claim \
         the same Kafka topic. Kubernetes would keep only one; rename one of them.";
    AMBIGUOUS_CLUSTER = "E0203", "ambiguous-cluster",
        "Several clusters are defined and a namespace names none of them. Add \
         `cluster = \"NAME\"` or `clusters = [...]` to the namespace.";
    CONFLICTING_KEYS = "E0204", "conflicting-keys",
        "Two keys that exclude each other are both set (`role` and `cluster_role`, `cluster` and \
         `clusters`), or neither of a required pair is.";
    DUPLICATE_DEFINITION = "E0205", "duplicate-definition",
        "The same namespace, service, cluster or template is defined in two files (or twice by \
         an include). Each name is defined once; rename or remove one of them.";
    TEMPLATE_CYCLE = "E0206", "template-cycle",
        "Templates that build on each other in a circle (`a` uses `b`, `b` uses `a`). A template \
         may build on another, but the chain must end.";
    TEMPLATE_ERROR = "E0207", "template-error",
        "A `{{ ... }}` expression in a string could not be rendered: a syntax error, or a \
         variable that is not defined. Available: `namespace`, `cluster` (for a namespace on one \
         cluster), `platform`, and `vars.NAME` from `[vars]` or the namespace's `vars`.";
    INCLUDE_ERROR = "E0208", "include-error",
        "An `include` entry that cannot be used: an invalid glob, a file that does not exist, or \
         an included file that defines something other than namespaces, services, clusters and \
         templates.";
    UNREADABLE = "E0301", "unreadable",
        "A file platc must read is missing, a directory, not UTF-8, empty or unreadable.";
    UNSAFE_OUTPUT = "E0302", "unsafe-output",
        "platc refuses to write: a file in the output folder lacks the `# Generated by platc` \
         header (so platc did not write it and will not overwrite or delete it), or a symlink in \
         it leads outside. Move the file away or fix the link.";
    OUTPUT_LOCKED = "E0303", "output-locked",
        "Another platc run holds the lock on the output folder.";
    WRITE_FAILED = "E0304", "write-failed",
        "Writing the output tree failed (disk full, permissions). Files already replaced are \
         complete; run build again once the cause is fixed.";
    RBAC_SECRETS_READ = "W0401", "rbac-secrets-read",
        "`list` or `watch` on secrets returns every secret's value in the namespace: it is the \
         same as `get` on all of them. Grant `get` with `resource_names` instead.";
    RBAC_WILDCARD = "W0402", "rbac-wildcard",
        "`*` in verbs, resources or API groups grants everything, including kinds added later. \
         List what is needed.";
    RBAC_ESCALATION = "W0403", "rbac-escalation",
        "`escalate`, `bind` and `impersonate` let a subject grant itself more than it has. Keep \
         them to cluster administrators.";
    RBAC_POD_EXEC = "W0404", "rbac-pod-exec",
        "`pods/exec` (and `pods/attach`) give a shell in every pod of the namespace, with their \
         service accounts and secrets.";
    RBAC_TOKEN_CREATE = "W0405", "rbac-token-create",
        "`create` on `serviceaccounts/token` mints tokens for any service account of the \
         namespace, so it is the union of all their permissions.";
    NETWORK_OPEN_EGRESS = "W0501", "network-open-egress",
        "Egress to `0.0.0.0/0` (or `::/0`) on all ports lets pods reach anything. Give ports.";
    NETWORK_DNS_BLOCKED = "W0502", "network-dns-blocked",
        "Egress is denied and `allow_dns = false`: pods cannot resolve names, so most clients \
         fail. Remove `allow_dns = false` or allow DNS in a policy of your own.";
    NETWORK_OPEN_INGRESS = "W0503", "network-open-ingress",
        "Ingress from every namespace (or `0.0.0.0/0`) defeats a default-deny policy. Name the \
         namespaces that need access.";
    LIMITS_INCONSISTENT = "W0601", "limits-inconsistent",
        "LimitRange values that contradict each other: a default limit below the default \
         request, or a default outside min/max. Pods that take the defaults are rejected.";
    IMAGE_UNPINNED = "W0602", "image-unpinned",
        "An image without a tag, or tagged `latest`, changes under you: two runs of the same \
         manifest may run different code. Pin a version or a digest.";
    MISSING_RESOURCES = "E0603", "missing-resources",
        "The namespace has a quota on cpu or memory, so every pod must state requests and \
         limits; this pipeline has none and the namespace has no LimitRange defaults. The API \
         server would reject its pods.";
    QUOTA_EXCEEDED = "E0604", "quota-exceeded",
        "The pipeline's requests or limits, times the runs that can exist at once, exceed the \
         namespace quota, so its pods would be rejected.";
    NO_STARTING_DEADLINE = "N0605", "no-starting-deadline",
        "Without `starting_deadline`, a CronJob that missed more than 100 schedules (a long \
         controller outage) stops scheduling. A deadline also keeps a late run from starting \
         hours after it was due.";
}

/// The explanation of a code (case-insensitive), as printed by `platc explain`.
pub fn explain(code: &str) -> Option<(Code, &'static str, &'static str)> {
    CODES
        .iter()
        .copied()
        .find(|(c, _, _)| c.0.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = BTreeSet::new();
        let mut names = BTreeSet::new();
        for (code, name, text) in CODES {
            assert!(codes.insert(code.0), "duplicate code {code}");
            assert!(names.insert(*name), "duplicate name {name}");
            assert!(code.0.len() == 5 && "EWN".contains(&code.0[..1]), "{code}");
            assert!(!text.is_empty());
        }
    }

    #[test]
    fn explain_is_case_insensitive() {
        assert_eq!(explain("e0101").map(|e| e.1), Some("invalid-name"));
        assert!(explain("E9999").is_none());
    }
}
