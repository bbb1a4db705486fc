"""The words of pligos.yaml (format 1), each defined once.

Every other module reads the names of properties, references, keys and reserved names from
here instead of restating them: the reader, the rules, the compiler, the editor's operations,
the wizard and the TUI's forms.
"""

from __future__ import annotations

FORMAT = 1  # the `pligos:` version this Pligos reads
CONFIG_NAME = "pligos.yaml"  # a service's file, at the service's root
CHARTS_DIR = "charts"  # below a service, where its charts go by default
MARKER = ".pligos-chart.json"  # in every chart Pligos writes; a folder without it is not ours

# -- properties: the named entries a service defines ------------------------------------------

PROPERTY_LISTS = ("images", "commands", "probes", "routes", "mounts", "env", "resources")
# what one entry of each list is called in messages
ENTRY_WORDS = {"images": "image", "commands": "command", "probes": "probe", "routes": "route",
               "mounts": "mount", "env": "env entry", "resources": "resources entry"}

PROBE_STAGES = ("startup", "liveness", "readiness")
PROBE_HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")
PROBE_TIMINGS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold",
                 "failureThreshold", "terminationGracePeriodSeconds")
HANDLER_KEYS = {
    "httpGet": ("path", "port", "host", "scheme", "httpHeaders"),
    "tcpSocket": ("port", "host"),
    "exec": ("command",),
    "grpc": ("port", "service"),
}
# probe handlers whose `port` may name a route
NAMED_PORT_HANDLERS = ("httpGet", "tcpSocket")
MOUNT_KINDS = ("files", "secret", "hostPath", "volume", "emptyDir")
VOLUME_KEYS = ("size", "storageClass", "accessMode")
EMPTY_DIR_KEYS = ("medium", "sizeLimit")
COMMAND_TYPES = ("executable", "script")

ENTRY_KEYS: dict[str, tuple[str, ...]] = {
    "images": ("name", "repository", "tag", "digest", "pullPolicy", "pullSecret"),
    "commands": ("name", "type", "command", "args", "fileName", "interpreter"),
    "probes": ("name", *PROBE_STAGES),
    "routes": ("name", "port", "containerPort", "protocol", "fqdn", "path", "tls"),
    "mounts": ("name", "path", "readOnly", *MOUNT_KINDS),
    "env": ("name", "variables"),
    "resources": ("name", "requests", "limits"),
}
REQUIRED_KEYS = {"images": ("repository",), "routes": ("port",), "mounts": ("path",),
                 "env": ("variables",)}
# inline entries of these lists end up as Kubernetes names and so must be named
INLINE_NEEDS_NAME = ("routes", "mounts")

PULL_POLICIES = ("IfNotPresent", "Always", "Never")  # the default first
PROTOCOLS = ("TCP", "UDP", "SCTP")  # likewise
ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")  # likewise
DEFAULT_PULL_POLICY, DEFAULT_PROTOCOL, DEFAULT_ACCESS_MODE = (
    PULL_POLICIES[0], PROTOCOLS[0], ACCESS_MODES[0])
RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage")

# -- contexts: what a context assigns ---------------------------------------------------------

# context key -> the property list its name refers to (one entry)
CONTEXT_REFS = {"image": "images", "command": "commands", "probe": "probes",
                "resources": "resources"}
# context key -> the property list its names refer to (a list of entries)
CONTEXT_REF_LISTS = {"routes": "routes", "mounts": "mounts", "env": "env"}
# context key -> property list, for both kinds
REF_PROPERTY = {**CONTEXT_REFS, **CONTEXT_REF_LISTS}
CONTEXT_PROPERTIES = ("image", "command", "probe", "routes", "mounts", "env", "resources",
                      "replicas", "schedule", "values", "friends")
# what a context says about where and how its chart is deployed: not properties a flavor
# accepts, but read by every flavor (namespace, release name, cluster, secret delivery)
CONTEXT_DEPLOY = ("namespace", "release", "cluster", "secrets")
CONTEXT_KEYS = ("name", "flavor", "extends", *CONTEXT_PROPERTIES, *CONTEXT_DEPLOY)

TOP_KEYS = ("pligos", "name", "description", "chartVersion", "appVersion", "flavorPaths",
            "friendsLibrary", "secrets", "friends", *PROPERTY_LISTS, "contexts",
            "current-context")
SERVICE_NAME_MAX = 53  # helm's limit for a release name

# examples shown when a required key is missing
REQUIRED_EXAMPLES = {"pligos": str(FORMAT), "name": "my-service", "port": "8080",
                     "repository": "registry.example.com/team/app", "path": "/etc/app",
                     "variables": "{NAME: value}"}

# -- flavors ----------------------------------------------------------------------------------

FLAVOR_FILE = "flavor.yaml"
FLAVOR_KEYS = ("description", "accepts", "requires")

# -- friends ----------------------------------------------------------------------------------

FRIEND_KEYS = ("name", "type", "chart", "values", "config", "credentials")
FRIEND_USE_KEYS = ("name", "values")
FRIEND_CHART_KEYS = ("name", "version", "repository")
FRIEND_TYPES = ("requirement", "dependency")

# -- secrets ----------------------------------------------------------------------------------

SECRET_PROVIDERS = ("file", "vault")
# how secret data reaches the cluster (docs/friends-and-secrets.md), the default first:
# inline: fetched at generate time into the chart's git- and helm-ignored secrets/ folder;
# external-secrets: ExternalSecret objects, fetched by the cluster; existing: Secrets the
# cluster already has, referred to by name
INLINE, EXTERNAL_SECRETS, EXISTING = "inline", "external-secrets", "existing"
SECRET_DELIVERIES = (INLINE, EXTERNAL_SECRETS, EXISTING)
# the keys that choose the delivery, in the secrets block and in a context's `secrets:`
DELIVERY_KEYS = ("delivery", "store", "refreshInterval", "names")
SECRET_STORE_KINDS = ("SecretStore", "ClusterSecretStore")
DEFAULT_REFRESH_INTERVAL = "1h"
# the keys of the `secrets:` block, for each provider
SECRET_SETTINGS = {
    "file": ("provider", "path", *DELIVERY_KEYS),
    "vault": ("provider", "address", "mount", "path", "kv", "timeout", *DELIVERY_KEYS),
}
DEFAULT_SECRETS_PATH = "secrets"

# -- what Pligos itself puts into every pod -----------------------------------------------------

SCRIPTS_MOUNT = "/pligos/scripts"  # where a script command's file is mounted
SCRIPTS_VOLUME = "pligos-scripts"  # the pod volume the scripts ConfigMap is mounted from

# -- the values contract (docs/values-contract.md) ---------------------------------------------

CONTRACT_VERSION = 1
# the top-level keys of every chart's values, in the order they are written; a requirement's
# alias (its values' key) must not take one of them
CONTRACT_KEYS = ("pligos", "metadata", "image", "command", "probes", "routes", "ingress",
                 "mounts", "env", "resources", "replicas", "schedule", "cronjob", "pod",
                 "friends", "secrets")
# keys of the contract that values.yaml never holds: given to helm with --values at deploy
# time. The data of inline secrets (secret -> key -> base64) and a token that changes when it
# does (the pods' checksum/secrets: nothing derived from the bytes), which `pligos generate`
# writes to the chart's SECRET_VALUES_FILE
SECRET_DATA, SECRETS_VERSION = "secretData", "secretsVersion"
GIVEN_KEYS = (SECRET_DATA, SECRETS_VERSION)
SECRETS_DIR = "secrets"  # the chart's folder of secret data: 0700, files 0600, git/helm-ignored
SECRET_VALUES_FILE = f"{SECRETS_DIR}/values.yaml"  # in a chart: the values file of SECRET_DATA
