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
        "The file is not valid TOML: an unclosed string, table header or inline table, a \
         duplicate key, a bare word where a value belongs. Why it matters: nothing else can \
         be checked until the file parses, so platc stops here and writes nothing. Fix: \
         correct the syntax at the caret (strings need quotes, each key once per table), then \
         run `platc check` again.";
    UNKNOWN_KEY = "E0002", "unknown-key",
        "A key that platform.toml v1 does not define, usually a typo such as `lables`. Why it \
         matters: an ignored key would silently do nothing, so a misspelled security setting \
         would look applied when it is not. Fix: use the key the help suggests, or remove it; \
         `platc schema` lists every valid key.";
    WRONG_TYPE = "E0003", "wrong-type",
        "A value of the wrong TOML type, e.g. a string where a number belongs (`pods = \
         \"200\"`), or a table where a list belongs. Why it matters: the value cannot be turned \
         into the Kubernetes field it feeds. Fix: write the type the message names (`pods = \
         200`).";
    MISSING_KEY = "E0004", "missing-key",
        "A required key is missing, e.g. `[platform] name`, a pipeline's `schedule` or \
         `image`, or a network policy with neither `ingress` nor `egress`. Why it matters: \
         platc cannot generate a valid object without it. Fix: add the key the message names.";
    INVALID_CHOICE = "E0005", "invalid-choice",
        "A value outside a fixed set, e.g. `concurrency = \"sometimes\"` or `default_deny = \
         [\"both\"]`. Why it matters: Kubernetes accepts only those values. Fix: use one of the \
         values the help lists.";
    OUT_OF_RANGE = "E0006", "out-of-range",
        "A number or list outside its allowed range: port 0 or above 65535, an empty `steps` \
         list, zero partitions, a quota or limit range that sets nothing, a pipeline's \
         `scratch` of 0 or above its pods' ephemeral-storage limit, a `starting_deadline` \
         under 10 seconds (the controller would skip runs it starts a little late), a \
         `ttl_after_finished` beyond what Kubernetes stores. Why it matters: the object would be rejected by the \
         API server, do nothing, or (scratch) promise room the kubelet evicts the pod before \
         it is used. Fix: use a value in the range the message gives, or remove the setting.";
    INVALID_NAME = "E0101", "invalid-name",
        "A namespace, cluster or object name that is not a DNS-1123 label: at most 63 \
         characters of lower-case letters, digits and `-`, starting and ending with a letter \
         or digit. Why it matters: the API server rejects such names, and they also become \
         file names in out/. Fix: rename it; the help suggests a valid spelling.";
    NAME_TOO_LONG = "E0102", "name-too-long",
        "A pipeline name longer than 52 characters. Why it matters: the CronJob controller \
         appends an 11-character suffix to name each Job, and Job names are DNS labels of at \
         most 63, so longer CronJobs never run. Fix: shorten the pipeline's name to 52 \
         characters or fewer.";
    INVALID_LABEL = "E0103", "invalid-label",
        "A label key or value Kubernetes does not accept. Keys are an optional DNS subdomain \
         prefix and `/`, then at most 63 characters of `[A-Za-z0-9._-]` starting and ending \
         alphanumeric; values are empty or at most 63 such characters. A \
         `pod-security.kubernetes.io/` label must be one the admission controller reads \
         (`warn`, `audit`, their `-version`s) with a valid level or version. Why it matters: the \
         API server rejects the whole object, or ignores the misspelt label. Fix: rename the key or value; the help suggests \
         one.";
    INVALID_QUANTITY = "E0104", "invalid-quantity",
        "A resource amount that is not a Kubernetes quantity. Quantities are a number with an \
         optional suffix, decimal (`m`, `k`, `M`, `G`, `T`, `P`, `E`) or binary (`Ki`, `Mi`, \
         `Gi`, `Ti`, `Pi`, `Ei`): `500m`, `1`, `512Mi`, `400Gi`. Why it matters: `GB`, `1.5 \
         Gi` or negative amounts are rejected by the API server. Fix: rewrite it, e.g. `2GB` \
         as `2G` or `2Gi`. platc writes every quantity in the canonical form the API server \
         stores (`1000m` becomes `1`, `1024Mi` becomes `1Gi`), so Argo CD never shows a false \
         diff.";
    LIMIT_BELOW_REQUEST = "E0105", "limit-below-request",
        "A limit smaller than the matching request (in a quota or a pipeline's resources). \
         Why it matters: the API server rejects such a pod or quota. Fix: raise the limit to \
         at least the request, or lower the request.";
    INVALID_SCHEDULE = "E0106", "invalid-schedule",
        "A CronJob schedule the controller does not understand. Valid: five fields (minute \
         hour day-of-month month day-of-week) with numbers, ranges `1-5`, steps `*/15`, lists \
         `1,15`, names `MON`/`JAN`, or @hourly, @daily, @weekly, @monthly, @yearly (also \
         @annually, @midnight). Why it matters: a seconds field, `L`, `W`, `#` or an \
         out-of-range number makes the CronJob never fire. Fix: rewrite it in that syntax, \
         e.g. `0 2 * * *` for 02:00 every day.";
    INVALID_TIME_ZONE = "E0107", "invalid-time-zone",
        "`time_zone` is not an IANA time zone name. Why it matters: CronJob.spec.timeZone \
         accepts only names from the tz database (`Etc/UTC`, `Europe/London`); abbreviations \
         like `CET` and offsets like `+01:00` are rejected. Fix: use the IANA name; omit \
         `time_zone` for the controller's zone.";
    INVALID_DURATION = "E0108", "invalid-duration",
        "A duration that is not a whole number followed by one unit `s`, `m`, `h` or `d`. Why \
         it matters: durations become seconds in Kubernetes fields and alert rules; `1.5h` or \
         `7 days` have no exact meaning here. Fix: write `30s`, `10m`, `26h` or `7d`.";
    INVALID_CIDR = "E0109", "invalid-cidr",
        "A network peer that looks like an address but is not a valid CIDR, or has host bits \
         set (`10.0.0.1/8`). Why it matters: NetworkPolicy ipBlocks must be network \
         addresses; a host address with a prefix is rejected or means something other than \
         intended. Fix: use the network address the help suggests (`10.0.0.0/8`), or `/32` \
         for one IPv4 host.";
    INVALID_PEER = "E0110", "invalid-peer",
        "A reference string of the wrong shape. Network peers are `self`, `namespace:NAME`, \
         `service:NAME` or a CIDR; subjects are `serviceaccount:NAME`, \
         `serviceaccount:NS/NAME`, `group:NAME` or `user:NAME`. Why it matters: platc cannot \
         tell what the rule should allow or whom it should bind. Fix: write one of those \
         forms.";
    INVALID_IMAGE = "E0111", "invalid-image",
        "A container image reference a runtime cannot pull, in a pipeline or a manifest: \
         empty, with spaces, an empty tag (`registry/x:`, also when a variable renders it \
         empty), no repository, upper-case letters or an empty part in the repository path, a \
         tag with other characters than `A-Z a-z 0-9 _ . -`, a digest that is not \
         `algorithm:hex` (64 hex digits for sha256). Why it matters: the pod would fail with \
         ErrImagePull or InvalidImageName at run time, not at review time. Fix: write \
         `registry/repository:tag` or `registry/repository@sha256:...`, the repository in \
         lower case.";
    INVALID_VALUE = "E0112", "invalid-value",
        "A value of the right type that is not allowed here: an empty string, a duplicate \
         list entry, an environment variable name with illegal characters, a URL that is not \
         one. Why it matters: the generated object would be rejected or behave unexpectedly. \
         Fix: change the value as the message says.";
    ENV_REFERENCE = "E0113", "env-reference",
        "A pipeline's environment variable refers to `$(NAME)` where no variable `NAME` is \
         defined (not in `env`, and the pipeline has no `secrets` or `config_maps` it could \
         come from), or variables refer to each other in a cycle (`A = \"$(B)\"` and `B = \
         \"$(A)\"`, or `A = \"$(A)\"` without an envFrom source). Why it matters: Kubernetes \
         expands `$(NAME)` only from variables defined before it and leaves any other \
         reference as it is, silently, so the program would read `https://$(HOST)/` instead \
         of a URL. platc writes `env` so that every reference follows its definition; a \
         cycle has no such order. Fix: define the variable, write one value of the cycle out, \
         or write `$$(NAME)` for the literal text `$(NAME)`.";
    RESERVED_NAME = "E0114", "reserved-name",
        "A cluster named `argocd` while `[argocd]` is set. Why it matters: a cluster's objects \
         are written to `out/<cluster>/`, and the Argo CD objects to `out/argocd/`; the two \
         would share a folder, and the bootstrap Application that syncs `out/argocd` would \
         take in the cluster's folders too. Fix: give the cluster another name (the key under \
         `[clusters]`; its `server` stays as it is).";
    FILE_NAME_TOO_LONG = "E0115", "file-name-too-long",
        "An object whose file name (`<kind>-<name>.yaml`, the name written as docs/security.md \
         says) would be longer than 255 bytes, what Linux, macOS and Windows file systems \
         take. Kubernetes allows such names for some kinds (RBAC objects), so the manifest is \
         otherwise valid. Why it matters: `build` could not write the file. Fix: shorten the \
         object's name to what the help says.";
    UNRESOLVED_REFERENCE = "E0201", "unresolved-reference",
        "A reference to something the config does not define: a role binding's role or \
         service account, a pipeline's service account, a `service:NAME` peer, a topic's \
         service, a namespace's cluster. Why it matters: the generated object would point at \
         nothing, and RBAC or network rules would silently not apply. Fix: define it, or use \
         one of the names the help lists.";
    DUPLICATE_OBJECT = "E0202", "duplicate-object",
        "Two parts of the config generate the same object (kind, namespace and name) or claim \
         the same Kafka topic. Why it matters: Kubernetes keeps only one of them, so the \
         other silently disappears. Fix: rename one of them.";
    AMBIGUOUS_CLUSTER = "E0203", "ambiguous-cluster",
        "Several clusters are defined and a namespace names none of them. Why it matters: \
         platc cannot guess where the namespace belongs, and guessing wrong deploys to the \
         wrong cluster. Fix: add `cluster = \"NAME\"` or `clusters = [...]` to the namespace.";
    CONFLICTING_KEYS = "E0204", "conflicting-keys",
        "Two keys that exclude each other are both set (`role` and `cluster_role`, `cluster` \
         and `clusters`, an alert's `on_failure` and a different `severity` in its `labels`, \
         a namespace's `pod_security` and a different `pod-security.kubernetes.io/enforce` or \
         `enforce-version` label, `labels` on a namespace with `managed = false`, which has no \
         Namespace object to carry them), or neither of a required pair is. Why it matters: the meaning would \
         be ambiguous. Fix: keep exactly one of them.";
    DUPLICATE_DEFINITION = "E0205", "duplicate-definition",
        "The same namespace, service, cluster or template is defined in two files of one \
         platform (the main file and an include, or two includes). Why it matters: one \
         definition would silently win over the other. Fix: define each name in one file; \
         rename or remove the other (the message points at both).";
    TEMPLATE_CYCLE = "E0206", "template-cycle",
        "Templates that build on each other in a circle (`a` uses `b`, `b` uses `a`). Why it \
         matters: no namespace using them would have a defined configuration. Fix: break the \
         cycle; a template may build on another, but the chain must end.";
    TEMPLATE_ERROR = "E0207", "template-error",
        "A `{{ ... }}` expression in a string could not be rendered: a syntax error, or a \
         variable that is not defined. Available: `namespace`, `cluster` (for a namespace on \
         one cluster), `platform`, and `vars.NAME` from `[vars]` or the namespace's `vars`. Why \
         it matters: an unrendered or half-rendered value would reach the cluster. Fix: define \
         the variable (the help lists what is available) or correct the expression.";
    INCLUDE_ERROR = "E0208", "include-error",
        "An `include` entry that cannot be used: an invalid glob, a pattern matching no file, or \
         an included file that sets something other than namespaces, services, clusters and \
         templates. Why it matters: a silently skipped include drops whole tenants from the \
         platform. Fix: correct the pattern (relative to the main file) or move the setting \
         into the main file.";
    OVERRIDE_CLUSTER = "E0215", "override-cluster",
        "A `[namespaces.NAME.on.CLUSTER]` override for a cluster the namespace is not stamped \
         on (not in its `cluster`/`clusters`, or not a cluster at all). Why it matters: the \
         override would never apply, so what you meant for that cluster silently would not \
         happen. Fix: use one of the clusters the help names, or add the cluster to the \
         namespace's `clusters`.";
    OVERRIDE_KEY = "E0216", "override-key",
        "An override sets `cluster`, `clusters`, `template` or `on`, which say where a \
         namespace is stamped and what it starts from, not how it differs on one cluster. Why \
         it matters: a copy of a namespace cannot move itself to other clusters. Fix: set \
         these keys on the namespace itself.";
    OVERRIDE_REMOVAL = "E0217", "override-removal",
        "`false` in an override that removes nothing: an entry of a named table (pipelines, \
         roles, role bindings, service accounts, network policies, secrets) that the namespace \
         does not have, or a setting that is not such an entry (`quota = false`). Why it \
         matters: a removal that removes nothing is a typo or a misunderstanding, and the \
         cluster would get what you meant to remove. Fix: name an existing entry (the help \
         lists them), or give the setting the value it should have on that cluster.";
    INVALID_REVISION = "E0218", "invalid-revision",
        "A cluster's `revision` that git would refuse as a branch, tag or commit name: spaces, \
         `..`, `~`, `^`, `:`, `?`, `*`, `[`, `\\`, `@{`, a part starting with `.` or ending \
         with `.lock`, a leading or trailing `/`. Why it matters: it becomes the \
         `targetRevision` of the cluster's Applications, and Argo CD would fail to resolve it \
         on every sync. Fix: name the branch (`staging`), tag (`v1.5.0-rc1`) or commit the \
         cluster should run.";
    ENVIRONMENTS_DIFFER = "E0219", "environments-differ",
        "`platc import --cluster` cannot fold the environments into one platform: a setting \
         that applies to every cluster (`[defaults]`, `[argocd]`, `[monitoring]`) differs \
         between them, a secret store or service means different things, one input holds \
         several clusters, or (a bug) the folded platform does not build each cluster's \
         objects back. Why it matters: the import only writes a platform that gives every \
         object back. Fix: make the named setting the same in each environment, or import \
         the environments apart.";
    UNREADABLE = "E0301", "unreadable",
        "The config cannot be read: missing, a directory, a device or pipe, larger than 64 \
         MiB, empty, not UTF-8 (the message gives line and column of the first bad byte), \
         binary (contains NUL bytes), or not readable by this user. Why it matters: nothing \
         can be checked, so nothing is written. Fix: point `-c` at the UTF-8 platform.toml \
         (`platc init` writes a starter), or fix its permissions or encoding.";
    UNSAFE_OUTPUT = "E0302", "unsafe-output",
        "platc refuses to touch the output folder because something in it is not its own: a \
         file without the `# Generated by platc` header (platc never overwrites or deletes a \
         file it did not write), a symlink that leads outside the folder or nowhere (a \
         dangling link), a symlink where the build writes (a file it replaces, a folder it \
         writes into), or an output folder that is itself a symlink or reached through one \
         (`-o out/`, `-o gen/out` with `gen` a link: every folder on the way is checked). Why \
         it matters: writing through such links could overwrite files anywhere, and deleting \
         hand-written files loses work. The check runs before any write, so out/ is left exactly as it \
         was. Fix: move the named file out of the folder, or remove or repoint the named \
         link.";
    OUTPUT_LOCKED = "E0303", "output-locked",
        "Another platc run (a pre-commit hook, an editor, a second terminal) holds the lock \
         on the output folder, and it was not released within the wait (60 s, or \
         `PLATC_LOCK_WAIT_SECS`). Why it matters: two builds writing one folder at once would \
         mix their files. Fix: let the other run finish and run again; if none is running, \
         check for a stuck platc process. The lock is released automatically when a process \
         exits or is killed.";
    WRITE_FAILED = "E0304", "write-failed",
        "Writing the output tree failed: disk full, read-only file system, permissions, a file \
         larger than the process may write. Why it matters: a tree that is part old, part new \
         would be synced as it is; so every changed file is written under a temporary name \
         before the first is renamed into place, and when a step fails the renames and \
         removals before it are undone: the message says `left as it was`. If even that fails \
         (it says so), the tree may be part old, part new, each file whole. Fix: fix the cause \
         and run build again; it converges to the full new tree and removes leftover temporary \
         files.";
    OUTSIDE_ROOT = "E0305", "outside-root",
        "A path the config names (the config itself, an `include`, `manifests` or \
         `crd_schemas` pattern) leads outside the repository that holds the config (outside \
         git: outside the config's folder): `..` above its top, an absolute path, a symlink \
         that points outside (at any component, a folder a wildcard matched included), a path \
         inside `.git`, or at `diff --base` a symlink committed in the tree, which platc does \
         not follow in history. Why it matters: in CI, whoever opens a pull request controls \
         the config and every file in the repository; a path that leaves it would copy files of \
         the CI machine (keys, tokens, other checkouts) into out/, the diff and the \
         pull-request comment. platc refuses before opening the file, and never quotes it. \
         Fix: keep every file the config names inside the repository (copy a shared file in \
         rather than linking to it), with relative paths that stay below its top.";
    NESTED_REPOSITORY = "E0306", "nested-repository",
        "`diff --base` (or the check for files of out/ edited by hand) found a git repository \
         inside the repository that holds the config, on the way from its top to the config: a \
         folder with `.git`, or the layout of a bare repository (`HEAD`, `objects/`, `refs/`). \
         Why it matters: git would take such a folder for the repository, so a pull request \
         that adds one could choose the history the diff compares against (and report \"no \
         changes\" for a change). platc reads history only from the repository found from the \
         working directory, and refuses a config below another one. Fix: remove the nested \
         repository from the tree, or, for a submodule, run platc from inside it.";
    WORK_LIMIT = "E0315", "work-limit",
        "The input asks for more work than platc allows a run: a YAML file whose aliases \
         expand it beyond `yaml-values` values or `yaml-bytes` bytes, a patch whose values and \
         `copy` operations write more than `patch-bytes` into an object, `{{ }}` templates \
         that use more than `template-fuel` fuel or render more than `template-bytes` bytes. \
         Why it matters: whoever opens a pull request controls the config and every file it \
         names; without bounds a few kilobytes (an alias bomb, a `copy` that doubles a list, \
         a nested loop) make a CI runner work for hours or run out of memory. Fix: find \
         what the error points at; an honest platform is far below every default. If a real \
         one needs more, raise the bound on the command line that runs platc, e.g. `platc \
         build --limit yaml-bytes=134217728`; the config cannot raise it (docs/security.md \
         lists the bounds and their defaults).";
    FILE_NAMES_COLLIDE = "E0331", "file-names-collide",
        "Two different objects of one folder would be written to one file even with their API \
         groups in the file names: their kinds differ only in upper and lower case (`Widget` \
         and `WIDGET` of one group), or a kind with a `-` meets a name that makes the same \
         text. Why it matters: one file would overwrite the other, and an object would \
         silently be lost. Fix: rename one of the objects.";
    IMPORT_LEFTOVER = "E0332", "import-leftover",
        "`platc import` found the temporary folder of an earlier import that was killed \
         (`.platc-import.platc-tmp` beside the config) holding something platc did not write, \
         so it cannot remove it. Why it matters: an import writes everything there first and \
         moves it into place last, so that a killed import leaves nothing half-written; a \
         folder with other files in it is not platc's to delete. Fix: look at the folder, move \
         what you want to keep elsewhere, delete it, and import again.";
    YAML_SYNTAX = "E0701", "yaml-syntax",
        "A manifest file (named by a namespace's `manifests`) is not valid YAML: a bad indent, \
         an unclosed quote or bracket, a key written twice in one mapping, an alias to no \
         anchor, or aliases that expand to more than a million values. Why it matters: \
         nothing of a file that does not parse can be checked or written, and a key written \
         twice would silently lose one of its values. Fix: correct the YAML at the caret; \
         `kubectl apply --dry-run=client -f FILE` reads it the same way.";
    MANIFEST_FILE = "E0702", "manifest-file",
        "A `manifests` (or `crd_schemas`, or `crds`) pattern that cannot be used: it matches no file, is \
         absolute or empty, or a file it matches cannot be read (missing, a directory, not \
         UTF-8, larger than 64 MiB). Why it matters: a silently skipped file drops objects \
         from the platform. Fix: correct the pattern; it is relative to the file that names \
         it (the main config, an included file or a template's file).";
    MANIFEST_IDENTITY = "E0703", "manifest-identity",
        "A manifest without `apiVersion`, `kind` or `metadata.name`, a kind that is not a \
         kind name (`Widget`), a name that is not text or not a valid name for its kind (it \
         also names the file the object is written to), `metadata.generateName` without a \
         name (an Argo CD hook: the API server would make a new object on every sync, and \
         platc writes named objects), or a `metadata.namespace` other than the namespace that \
         lists the file. Why it matters: the API server rejects such an object, and an \
         object for another namespace would be deployed by the wrong Argo CD Application. \
         Fix: set the three fields; leave out `metadata.namespace` (platc sets it) or make it \
         the namespace that lists the file.";
    MANIFEST_KIND = "E0704", "manifest-kind",
        "A manifest (or an object `platc import` reads) of a kind platc cannot place: a \
         Kubernetes kind under an API version that Kubernetes 1.33 does not serve \
         (`apps/v1beta1`, `batch/v1beta1`, `extensions/v1beta1`), a kind Kubernetes removed \
         (PodSecurityPolicy), a misspelt built-in kind, or a cluster-scoped kind \
         (ClusterRole, StorageClass, CustomResourceDefinition, a custom resource its CRD says \
         is cluster-scoped) among a namespace's manifests. Why it matters: the object would be rejected, or would land \
         outside the namespace whose Application deploys it. Fix: use the API version the \
         help names; put cluster-scoped objects in `[clusters.NAME] manifests`.";
    MANIFEST_FIELD = "E0705", "manifest-field",
        "A field its kind does not have, usually a typo (`replica` for `replicas`) or a field \
         at the wrong level. `kubectl apply --validate=strict` refuses it. Why it matters: \
         the API server drops unknown fields, so a misspelt setting silently does nothing. \
         Fix: use the field the help suggests, or move it to where it belongs.";
    MANIFEST_VALUE = "E0706", "manifest-value",
        "A manifest value of the wrong type, a missing required field, or a value Kubernetes \
         does not accept (an invalid quantity such as `2GB`). Unquoted `yes`, `no`, `on`, \
         `off`, numbers and `~` are not strings in YAML 1.1, which kubectl reads. Why it \
         matters: the API server rejects the object. Fix: write the type the message names; \
         quote a value that must stay a string (`\"yes\"`, `\"8080\"`).";
    MANIFEST_SCHEMA = "E0707", "manifest-schema",
        "A custom resource that does not match the schema of its kind given in `[platform] \
         crds` (a CustomResourceDefinition) or `crd_schemas` (a JSON Schema): an unknown field, a missing required field, a wrong type or a value \
         outside what the CRD allows. Why it matters: the API server checks custom resources \
         against the same schema and rejects (or prunes) what does not fit. Fix: correct the \
         field the message names; check the CRD version the schema came from.";
    SECRET_VALUE = "E0708", "secret-value",
        "Secret material where none may be: a Secret with `data` or `stringData` among a \
         namespace's manifests, or a key such as `value` or `string_data` in a \
         `[namespaces.NAME.secrets.SECRET]` table (which only says where values are: `store`, \
         `data`, `data_from`, `refresh`). Why it matters: secret values in git are readable by \
         everyone who can read the repository, forever, and out/ is committed. Fix: keep \
         values in a secret store and let External Secrets Operator create the Secret from \
         the ExternalSecret platc writes, which names the store and the remote key, never the \
         value (docs/secrets.md).";
    PATCH_TARGET = "E0709", "patch-target",
        "A patch whose `target` is not `KIND/NAME` or names no object of its namespace \
         (generated or a manifest). Why it matters: a patch that applies to nothing would \
         silently not change what it was written for. Fix: use the kind and name of an object \
         the namespace has (`platc show NAMESPACE` lists them); the kind is \
         case-insensitive, as in `kubectl get cronjob/NAME`.";
    PATCH_FAILED = "E0710", "patch-failed",
        "An RFC 6902 operation of a patch that cannot be applied: its `path` does not exist \
         (`replace`, `remove`, or `add` under a missing parent), a `test` finds another value, \
         or the operation is malformed. Why it matters: a half-applied patch would leave the \
         object in a state nobody wrote. Fix: point the path at what the object holds (paths \
         are JSON Pointers: `/spec/jobTemplate/spec/template/spec/nodeSelector`), or add the \
         parent first.";
    PATCH_RESULT = "E0711", "patch-result",
        "A patch that applies but leaves an object the API server would reject: an unknown \
         field, a wrong type, a changed kind, name or namespace, or a pod the namespace's Pod \
         Security level forbids. Why it matters: platc never writes an object Kubernetes \
         would refuse. Fix: change the patch so the object still reads as its kind.";
    POD_SECURITY = "E0712", "pod-security",
        "A pod (of a Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod among the \
         manifests, or after a patch) that breaks the Pod Security Standard its namespace \
         enforces (`pod_security`, `restricted` by default): privileged or host-namespace \
         pods, added capabilities, hostPath volumes, running as root, privilege escalation, \
         no seccomp profile. Why it matters: the API server refuses to create such pods, so \
         the workload would never start. Fix: change the pod as the help says, or lower the \
         namespace's `pod_security` to `baseline` if the workload truly needs it.";
    CRD_SCHEMA = "E0713", "crd-schema",
        "A file named by `[platform] crds` whose objects are not usable \
         CustomResourceDefinitions (another kind, no `scope`, a schema that does not compile, \
         such as a `pattern` that is no RE2 regular expression), or a file named by \
         `[platform] crd_schemas` that is not a usable JSON Schema, or whose \
         kind cannot be told (no `apiVersion`/`kind` const or enum in the schema, no \
         `x-kubernetes-group-version-kind`, and a file name not of the forms \
         `KIND_VERSION.json` in a folder named after the group, `GROUP_KIND_VERSION.json` or \
         `KIND-GROUP-VERSION.json`). Two schemas for one kind are an error too. Why it \
         matters: a custom resource would go unchecked. Fix: use the schemas kubeconform \
         uses (e.g. from the datree CRDs catalog) or name the file after its kind.";
    IMPORT_ROUND_TRIP = "E0714", "import-round-trip",
        "`platc import` could not give an object of its input back as it was: the build of \
         what it would write loses the object, writes it differently, or adds an object the \
         input does not have. Why it matters: import promises that `platc build` gives the \
         same objects back, and Argo CD would deploy whatever differs. Nothing is written. \
         Fix: this is platc's fault; the message names the object and the field; please \
         report it. Meanwhile, leave that object out of the import and keep it as a manifest \
         by hand.";
    DUPLICATE_INPUT = "E0715", "duplicate-input",
        "The same object (API group, kind, namespace and name) is written twice in what \
         `platc import` reads, and the two copies differ. Why it matters: Kubernetes keeps one \
         object of each; `kubectl apply` would apply one copy over the other, and which one \
         wins depends on the order of the files. Equal copies are folded into one, with a \
         report line. Fix: delete the copy that is wrong, or rename one of them (the message \
         points at both).";
    UNKNOWN_SCOPE = "E0716", "unknown-scope",
        "A custom resource without `metadata.namespace` whose kind platc cannot place: no \
         CustomResourceDefinition among the input (or `[platform] crds`) says whether it is \
         namespaced or cluster-scoped, and it is not one of the kinds platc knows. Why it \
         matters: a cluster-scoped object written into a namespace (or the other way) lands \
         in the wrong Argo CD Application, which its AppProject refuses to sync. Fix: add the \
         file of its CustomResourceDefinition to what you import, or give a namespaced object \
         its `metadata.namespace`.";
    EMPTY_LIST = "E0717", "empty-list",
        "A `kind: List` (or `...List`) whose `items` are empty, among a namespace's \
         `manifests` or the input of `platc import`. Why it matters: the file adds nothing; it \
         is usually the output of a template or a `kubectl get` that found nothing, and the \
         objects it was meant to hold are silently missing. Fix: remove the file, or put the \
         objects in it.";
    UNUSED_IMAGE = "W0900", "unused-image",
        "A cluster's `images` entry whose repository no container on that cluster uses (no \
         pipeline, step or manifest container names it). Why it matters: usually a typo in \
         the repository, so the tag you meant for the cluster (a release candidate on \
         staging) silently applies to nothing. Fix: write the repository as the pipelines and \
         manifests name it (the help suggests the closest), or remove the entry.";
    ARGOCD_PATH = "W0901", "argocd-path",
        "`-o` writes the tree somewhere else than `[argocd] path` says it is (in the git \
         repository that holds the config, or relative to the config's folder outside one). \
         Why it matters: every Application's `source.path` is `<path>/<cluster>/<namespace>`, \
         so Argo CD would look for folders that do not exist (a second config built with `-o \
         out/staging` gives Applications reading `out/staging/staging/...`, and a second \
         AppProject of the same name). Fix: build into the folder `path` names, or correct \
         `path`; put several environments in one platform.toml as clusters.";
    RBAC_UNUSED_SECRETS = "W0406", "rbac-unused-secrets",
        "A role bound to a pipeline's service account lets it read secrets its pipelines never \
         mount: `get` on secrets without `resource_names`, or names no pipeline running as that \
         account uses. Why it matters: least privilege; a compromised run could read \
         credentials it has no business with. Fix: list in `resource_names` exactly the \
         secrets the account's pipelines mount (`secrets = [...]`), or drop the rule (envFrom \
         needs no RBAC at all).";
    UNDECLARED_SECRET = "W0407", "undeclared-secret",
        "A pipeline mounts (`secrets`) or takes an `env` key from a secret its namespace does \
         not declare, or a manifest's container takes a `secretKeyRef` from one (declared: \
         `[namespaces.NAME.secrets]`, the manifests' ExternalSecrets and Secrets, \
         Certificates' `secretName`, Ingresses' `tls` Secrets). It may be made outside platc, \
         so this is a warning. Why it matters: if nobody creates \
         it, every run fails with CreateContainerConfigError; a typo looks the same. Fix: \
         declare it (an ExternalSecret from a store), or fix the name the help suggests.";
    UNUSED_SECRET = "N0408", "unused-secret",
        "A secret declared in `[namespaces.NAME.secrets]` that no pipeline of the namespace \
         uses (`secrets`, an `env` key, `files`) and no workload of its manifests mounts. Why it matters: an ExternalSecret nobody reads still copies credentials into \
         the cluster. Fix: remove it, or mount it where it is needed; ignore this note when \
         workloads of the namespace's manifests use it.";
    RBAC_SECRETS_READ = "W0401", "rbac-secrets-read",
        "A role grants `list` or `watch` on secrets. Why it matters: list and watch return \
         every secret's data in the namespace, so the role can read every credential there, \
         present and future, which is the same as `get` on all of them. Fix: grant `get` with \
         `resource_names = [\"...\"]` naming the secrets the workload needs (or mount them with \
         envFrom, which needs no RBAC).";
    RBAC_WILDCARD = "W0402", "rbac-wildcard",
        "A role has `*` in `verbs`, `resources` or `api_groups`. Why it matters: `*` grants \
         everything, including subresources such as `pods/exec` and kinds and verbs added \
         later by CRDs or upgrades. Fix: list exactly the verbs, resources and API groups \
         needed.";
    RBAC_ESCALATION = "W0403", "rbac-escalation",
        "A role grants `escalate`, `bind` or `impersonate`. Why it matters: `escalate` lets \
         it edit roles beyond its own rights, `bind` lets it bind any role (even \
         cluster-admin) to anyone, and `impersonate` lets it act as any user, group or \
         service account, so the holder can grant itself anything. Fix: remove the verb; keep \
         such rights to cluster administrators.";
    RBAC_POD_EXEC = "W0404", "rbac-pod-exec",
        "A role grants `pods/exec` or `pods/attach`. Why it matters: that is a shell in every \
         pod of the namespace, with the pods' service-account tokens, mounted secrets and \
         network access, bypassing the RBAC on those secrets. Fix: use `pods/log` to read \
         output; give exec to people through a separate, audited role or break-glass \
         procedure.";
    RBAC_TOKEN_CREATE = "W0405", "rbac-token-create",
        "A role can `create` `serviceaccounts/token`. Why it matters: it can mint tokens for \
         any service account of the namespace, so it holds the union of all their \
         permissions. Fix: remove it; pods get their own token through the projected \
         service-account volume.";
    NETWORK_OPEN_EGRESS = "W0501", "network-open-egress",
        "A network policy allows egress to `0.0.0.0/0` or `::/0` without ports. Why it \
         matters: pods can then reach any address on any port, including cloud metadata \
         endpoints and internal services, which makes data exfiltration and lateral movement \
         easy. Fix: add `ports = [...]` (e.g. `[443]`), or narrow the CIDR.";
    NETWORK_DNS_BLOCKED = "W0502", "network-dns-blocked",
        "A namespace denies egress and sets `allow_dns = false`, and none of its policies allows egress on port 53. \
         Why it matters: pods cannot resolve names, so almost every client fails with \
         confusing timeouts. Fix: remove `allow_dns = false` (platc then allows egress to \
         kube-dns on port 53), or allow DNS in a policy of your own.";
    NETWORK_OPEN_INGRESS = "W0503", "network-open-ingress",
        "A network policy allows ingress from `0.0.0.0/0` or `::/0`. Why it matters: that \
         admits every address, including pods of every other namespace, which defeats the \
         namespace's default-deny policy. Fix: name the callers: `namespace:NAME`, \
         `service:NAME` or a narrow CIDR.";
    LIMITS_INCONSISTENT = "W0601", "limits-inconsistent",
        "LimitRange values that contradict each other: a `default` (limit) below the \
         `default_request`, or a default outside `min`/`max`. Why it matters: the API server \
         rejects the LimitRange or every pod that takes the defaults, so workloads without \
         explicit resources stop starting. Fix: keep min <= default_request <= default <= max \
         for each resource.";
    IMAGE_UNPINNED = "W0602", "image-unpinned",
        "An image without a tag, or tagged `latest` (a pipeline's, or a container's in a \
         manifest). Why it matters: the same manifest can \
         run different code on two nodes or two days, and a rollback does not roll back. Fix: \
         pin a version tag or, better, a digest (`@sha256:...`).";
    MISSING_RESOURCES = "E0603", "missing-resources",
        "The namespace has a quota on `requests.X` or `limits.X` (cpu, memory or \
         ephemeral-storage), so every container of every pod must state that request or \
         limit, and a step of this pipeline (or a container of a manifest's workload) states \
         none while the namespace has no LimitRange default for it. Why it matters: the API \
         server would reject its pods and the CronJob would fail every run. Fix: set the \
         resources the message names in the pipeline's (or the step's) `resources`, or give \
         `[namespaces.NAME.limits]` a `default_request` and `default` for them.";
    QUOTA_EXCEEDED = "E0604", "quota-exceeded",
        "The pipeline's requests or limits, times the runs that can exist at once, exceed the \
         namespace quota. Why it matters: its pods would be rejected when they are needed. \
         Fix: lower the pipeline's resources, forbid concurrent runs, or raise the quota.";
    NO_STARTING_DEADLINE = "N0605", "no-starting-deadline",
        "The pipeline has no `starting_deadline`. Why it matters: a CronJob that missed more \
         than 100 schedules (for example after a long controller outage) stops scheduling, \
         and a late run may start hours after it was due. Fix: set `starting_deadline`, e.g. \
         `10m`.";
    TTL_HIDES_FAILURES = "W0606", "ttl-hides-failures",
        "A pipeline with a failure alert (`alerts.on_failure`) has a `ttl_after_finished` shorter \
         than the longest wait between two of its scheduled runs. Why it matters: the alert (and \
         the dashboard's failed-runs panel) sees a failed run only while its Job exists; the TTL \
         deletes the failed Job before the next run even starts, and the alert resolves though \
         no run has succeeded since. Fix: make `ttl_after_finished` longer than the schedule's \
         longest gap plus a run (e.g. `3d` for a weekday schedule), or leave it out and let \
         `history` bound the Jobs kept.";
    DOLPHINSCHEDULER_MISSING = "E0950", "dolphinscheduler-missing",
        "A pipeline has `scheduler = \"dolphinscheduler\"` and the config has no \
         `[dolphinscheduler]` table. Why it matters: platc cannot know which project, tenant, \
         namespace and gateway the pipeline's workflow belongs to, and without a workflow \
         nothing would ever start the suspended CronJob. Fix: add `[dolphinscheduler]` \
         (docs/dolphinscheduler.md), or remove `scheduler` to let the CronJob schedule itself.";
    AFTER_KUBERNETES = "E0951", "after-kubernetes",
        "`after` on a pipeline that its CronJob schedules (`scheduler = \"kubernetes\"`, the \
         default), or `after` naming such a pipeline. Why it matters: the CronJob controller \
         knows no dependencies; a run \"after\" another could only be a guess of the clock, and \
         a late first run would leave the second reading stale data. Fix: set `scheduler = \
         \"dolphinscheduler\"` on both pipelines, so one DolphinScheduler workflow runs them \
         in order, or remove `after` and give the pipeline its own `schedule`.";
    AFTER_CYCLE = "E0952", "after-cycle",
        "Pipelines that wait for each other through `after` in a circle (`a` after `b`, `b` \
         after `a`). Why it matters: no pipeline of the circle could ever start, and a \
         DolphinScheduler workflow must be a graph without cycles. Fix: remove one `after` of \
         the pipelines the message names, and give the one that no longer waits a `schedule`.";
    FOLLOWER_SCHEDULE = "E0953", "follower-schedule",
        "A pipeline with `after` also has its own `schedule` or `time_zone`. Why it matters: a \
         follower runs when the pipelines it follows have succeeded, inside their workflow, \
         whose schedule and time zone are its chain head's; its own would silently do \
         nothing. Fix: remove `schedule` and `time_zone` from the follower, or remove `after` \
         to schedule it on its own.";
    AFTER_ACROSS_CLUSTERS = "E0954", "after-across-clusters",
        "`after` names a pipeline that is not on every cluster the follower runs on: its \
         namespace is not stamped there, or an `on.CLUSTER` override removes it there. Why it \
         matters: each cluster's DolphinScheduler runs the workflows of that cluster; on a \
         cluster without the pipeline it follows, the follower would never run. Fix: put both \
         namespaces on the same clusters, remove the follower on that cluster too \
         (`pipelines = { NAME = false }` in its `on.CLUSTER`), or follow a pipeline that is on \
         all of them.";
    AFTER_TWO_CHAINS = "E0955", "after-two-chains",
        "A pipeline follows (through `after`, directly or not) two pipelines that each have \
         their own `schedule`. Why it matters: a workflow has one schedule; the follower would \
         have to belong to two workflows, started at different times. Fix: follow pipelines of \
         one chain only, or give the two heads one schedule by making one follow the other.";
    QUARTZ_INEXPRESSIBLE = "E0956", "quartz-inexpressible",
        "The schedule of a `dolphinscheduler` pipeline restricts both the day of the month and \
         the day of the week (`0 2 1 * MON`). Why it matters: cron runs on a day that matches \
         either field (the 1st, and every Monday), and DolphinScheduler's Quartz schedules \
         cannot say \"or\": one of the two must be `?`. Any translation would run on other days \
         than the CronJob would. Fix: write `*` in one of the two fields, or split the pipeline \
         into two with one field each.";
    DOLPHINSCHEDULER_CONCURRENCY = "E0957", "dolphinscheduler-concurrency",
        "A `dolphinscheduler` pipeline with `concurrency = \"replace\"`, or a follower whose \
         `concurrency` differs from its chain head's. Why it matters: a workflow has one \
         execution type, from the head's `concurrency`: `forbid` is SERIAL_DISCARD (a new \
         instance is dropped while one runs), `allow` is PARALLEL; DolphinScheduler has no way \
         to stop a running instance for a new one. Fix: use `forbid` or `allow`, the same on \
         the whole chain (or leave it out on followers).";
    DOLPHINSCHEDULER_NAMESPACE = "E0958", "dolphinscheduler-namespace",
        "`[dolphinscheduler] namespace` is not a namespace of the config, or is not on a \
         cluster that has `dolphinscheduler` pipelines. Why it matters: the workflows' ConfigMap, \
         the submit Job and the gateway token's ExternalSecret are written there; an undeclared \
         namespace gets none of them (or an Argo CD Application for it). Fix: declare it as \
         `[namespaces.NAME]` (with `managed = false` when DolphinScheduler's installation owns \
         it) on every cluster whose pipelines it runs.";
    GATEWAY_TOKEN = "E0959", "gateway-token",
        "`[dolphinscheduler] gateway.token_secret` is not a Secret that DolphinScheduler's \
         namespace declares under `secrets`, or its `token_key` is not one of that Secret's \
         `data` keys. Why it matters: the submit Job reads the gateway's auth token from that \
         Secret; without it the Job never starts (CreateContainerConfigError) and no workflow \
         is submitted. Fix: declare it, e.g. `[namespaces.dolphinscheduler.secrets.NAME]` with \
         `store` and `data = { token = \"remote/key#property\" }`, or name the declared one.";
    DOLPHINSCHEDULER_KEY = "E0960", "dolphinscheduler-key",
        "A `dolphinscheduler` pipeline sets a key only the CronJob controller reads: `suspend` \
         or `starting_deadline`. Why it matters: its CronJob is always suspended and never \
         starts runs itself, so the key would silently do nothing. Fix: remove it; to pause \
         the pipeline, set its workflow offline in DolphinScheduler, or schedule it with \
         `scheduler = \"kubernetes\"`.";
    SELECTOR_MISMATCH = "E0801", "selector-mismatch",
        "A Deployment, StatefulSet, DaemonSet or ReplicaSet (or a Job with `manualSelector: \
         true`) whose `spec.selector` does not select the labels of its own \
         `spec.template.metadata.labels`. Why it matters: the API server refuses the object \
         (`selector does not match template labels`), so nothing of it is applied. Fix: give \
         the template every label of `matchLabels` (and what `matchExpressions` asks), or \
         narrow the selector to labels the template has.";
    GATED_FIELD = "E0802", "feature-gated-field",
        "A field Kubernetes 1.33 (the minor platc checks against) serves only behind a feature \
         gate that is off by default: pod-level `resources` (PodLevelResources, alpha), \
         `resourceClaims` and a container's `resources.claims` (DynamicResourceAllocation, \
         beta and off), a projected `clusterTrustBundle` (ClusterTrustBundleProjection, beta \
         and off), a PersistentVolumeClaim's `volumeAttributesClassName` \
         (VolumeAttributesClass, beta and off) or `dataSourceRef.namespace` \
         (CrossNamespaceVolumeDataSource, alpha), an HPA's scaling `tolerance` \
         (HPAConfigurableTolerance, alpha) or `minReplicas: 0` (HPAScaleToZero, alpha), a \
         CSIDriver's `nodeAllocatableUpdatePeriodSeconds` (MutableCSINodeAllocatableCount, \
         alpha). Why it matters: with the gate off the API server drops the field (or refuses \
         the value), so what is written silently does not happen. Fix: use what the help names \
         (for pod-level `resources`, each container's own `resources`), or remove the field.";
    EMPTY_RESOURCE_NAMES = "E0803", "empty-resource-names",
        "A Role or ClusterRole rule with `resource_names = []` (`resourceNames: []` in a \
         manifest). Why it matters: RBAC reads an empty list as no restriction at all, so the \
         rule grants every object of its resources, the opposite of what an empty list seems \
         to say. Fix: name the objects (`resource_names = [\"commodity-api\"]`), or remove \
         the rule if it should grant nothing.";
    HPA_REPLICA_RANGE = "E0804", "hpa-replica-range",
        "A HorizontalPodAutoscaler whose `minReplicas` is above its `maxReplicas`. Why it \
         matters: the API server refuses it (`maxReplicas` must be greater than or equal to \
         `minReplicas`). Fix: swap or correct the two values.";
    UNKNOWN_SEVERITY = "E0805", "unknown-severity",
        "An alert severity (`alerts.on_failure`, or a `severity` in `alerts.labels`) outside \
         `[monitoring] severities` (default `critical`, `warning`, `info`). Why it matters: \
         Alertmanager routes alerts by severity; one its routes do not know (`crit`, `page`) \
         goes to the default receiver or nowhere, and nobody is paged. Fix: use a listed \
         severity, or add it to `[monitoring] severities` once Alertmanager routes it.";
    SERVICE_SELECTS_NOTHING = "W0810", "service-selects-nothing",
        "A Service whose selector matches no pod template of its namespace (manifests' \
         workloads and pipelines). Why it matters: the Service has no endpoints; every \
         connection is refused while everything looks deployed. Fix: select the labels of the \
         pods' template (`spec.template.metadata.labels`); the help names the closest pods. \
         platc says nothing when the namespace holds a custom resource that may make pods it \
         cannot see.";
    SERVICE_TARGET_PORT = "W0811", "service-target-port",
        "A Service port whose `targetPort` is a name no selected container declares, or a \
         number none of them exposes while they declare their ports. Why it matters: \
         connections to a named port no pod has are refused; a number the container does not \
         listen on times out. Fix: use the container's port name or number (the help lists \
         them).";
    BACKEND_MISSING = "W0812", "backend-missing",
        "An Ingress or Gateway route (HTTPRoute, GRPCRoute, ...) that sends traffic to a \
         Service its namespace does not have. Why it matters: the controller answers every \
         request with 503 or 404; nothing fails at deploy time. Fix: name a Service of the \
         namespace (the help suggests the closest).";
    BACKEND_PORT = "W0813", "backend-port",
        "An Ingress or Gateway route backend naming a port (number or name) the Service does \
         not have. Why it matters: the controller cannot route to it and answers 503. Fix: use \
         one of the Service's ports (the help lists them).";
    HPA_TARGET_MISSING = "W0814", "hpa-target-missing",
        "A HorizontalPodAutoscaler whose `scaleTargetRef` names a Deployment, StatefulSet or \
         ReplicaSet its namespace does not have. Why it matters: the HPA scales nothing and \
         only reports `FailedGetScale`. Fix: name the workload (the help suggests the \
         closest name or the right kind).";
    HPA_REPLICAS_SET = "W0815", "hpa-replicas-set",
        "A workload that sets `replicas` while a HorizontalPodAutoscaler scales it. Why it \
         matters: every Argo CD sync (self-heal) sets the count back to what is written, the \
         HPA scales again, and the two fight; pods come and go. Fix: remove `replicas` from \
         the workload; the HPA's `minReplicas` is where it starts.";
    PDB_SELECTS_NOTHING = "W0816", "pdb-selects-nothing",
        "A PodDisruptionBudget whose selector matches no pod template of its namespace. Why it \
         matters: it protects nothing, so a drain may take every pod of the workload it was \
         meant for at once. Fix: select the labels of the pods' template.";
    PDB_BLOCKS_DRAIN = "W0817", "pdb-blocks-drain",
        "A PodDisruptionBudget that allows no eviction at all: `maxUnavailable: 0`, or a \
         `minAvailable` at or above the replicas it covers (an HPA's `minReplicas` when one \
         scales them). Why it matters: every node drain (upgrades, autoscaler scale-downs) \
         waits on these pods forever. Fix: allow one pod to go: `maxUnavailable: 1`, or a \
         `minAvailable` below the replicas.";
    PORT_UNREACHABLE = "W0818", "port-unreachable",
        "A Service port whose target port on the pods it selects no NetworkPolicy lets any \
         traffic reach: the pods are isolated for ingress (by `default_deny` or a policy \
         selecting them) and no ingress rule of a policy selecting them opens that port. Why \
         it matters: the Ingress controller, the scraper and every other client silently time \
         out. Fix: add an ingress rule from the clients to that port (the help shows one).";
    INGRESS_PORT_UNEXPOSED = "W0819", "ingress-port-unexposed",
        "An ingress rule opening a port none of the pods its policy selects expose (they \
         declare other ports, or none by that name). Why it matters: the rule opens nothing, \
         and the port that was meant stays closed. Fix: open the port the containers declare \
         (the help lists them).";
    INGRESS_ALL_PORTS = "W0820", "ingress-all-ports",
        "An ingress rule from another namespace (`namespace:NAME`, or a `service:` peer there) \
         without `ports`. Why it matters: every port of the selected pods is open to every pod \
         of that namespace, debug and admin ports included. Fix: list the ports the callers \
         need (`ports = [8080]`).";
    EGRESS_PORT_CLOSED = "W0821", "egress-port-closed",
        "An egress rule to a `service:NAME` whose `ports` include one the service does not \
         listen on (its `[services.NAME] ports`). Why it matters: the rule opens a port \
         nothing answers on, and the port that was meant stays closed. Fix: use the service's \
         ports, or leave `ports` out to take them.";
    SECRET_KEY_MISSING = "W0822", "secret-key-missing",
        "An environment variable from a Secret key (`{ secret = \"NAME\", key = \"KEY\" }`, or \
         `secretKeyRef` in a manifest) whose Secret is declared (an ExternalSecret's `data`, \
         a Certificate's `secretName`) without that key. Why it matters: the kubelet refuses \
         to start the container (CreateContainerConfigError) until the key exists. Fix: use a \
         declared key (the help suggests the closest), or add it to the Secret's `data`.";
    MISSED_ALERT_TOO_SOON = "W0823", "missed-alert-too-soon",
        "A pipeline's `alerts.missed_after` is shorter than the longest wait between two runs \
         of its schedule. Why it matters: the missed-run alert fires in every such gap although \
         no run was missed (a weekday job pages every weekend). Fix: make `missed_after` longer \
         than the longest gap plus a run (the help computes it).";
    MISSED_ALERT_SUSPENDED = "N0824", "missed-alert-suspended",
        "(note) A suspended pipeline (`suspend = true`) with `alerts.missed_after`. Why it \
         matters: the missed-run alert is silent while the CronJob is suspended, so nothing \
         pages while it does not run; that may be what is wanted, or a forgotten suspend. Fix: \
         resume it (`suspend = false`) when it should run again.";
    TIME_ZONE_FIXED = "W0825", "time-zone-fixed",
        "A `time_zone` (or a CronJob's `timeZone`) that is a fixed offset or a legacy name: \
         `EST`, `MST`, `HST`, `EST5EDT`, `CET`, `Etc/GMT+5`. Why it matters: fixed offsets never \
         follow daylight saving (`Etc/GMT+5` is UTC-5 all year, and the sign is inverted), and \
         the legacy names are kept only for compatibility; the job runs an hour off half the \
         year. Fix: use the region's zone the help names (`America/New_York`).";
    MONITOR_SELECTS_NOTHING = "W0826", "monitor-selects-nothing",
        "A ServiceMonitor or PodMonitor (checked when its CRD schema is given) whose selector \
         matches no Service (by the Service's own labels) or pod in the namespaces it looks \
         in. Why it matters: Prometheus scrapes nothing and no alert says so. Fix: match the \
         Service's `metadata.labels` (ServiceMonitor) or the pods' labels (PodMonitor).";
    ALLOW_UNUSED = "W0827", "allow-unused",
        "An entry of `[lints] allow` or a `# platc:allow CODE` comment that silences nothing. \
         Why it matters: it would silently hide a future finding the author never saw, and \
         usually means the code or the line is wrong. Fix: remove it, or move the comment to \
         the line the finding is reported at.";
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
            assert!(
                text.contains("Why it matters:") && text.contains("Fix:"),
                "{code}: `platc explain` says what it means, why it matters and how to fix it"
            );
        }
    }

    #[test]
    fn explain_is_case_insensitive() {
        assert_eq!(explain("e0101").map(|e| e.1), Some("invalid-name"));
        assert!(explain("E9999").is_none());
    }
}
