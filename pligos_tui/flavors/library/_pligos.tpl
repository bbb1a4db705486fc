{{/*
Shared templates of the Pligos values contract, version 2 (see docs/values-contract.md).
Every one is a `define`: this file renders nothing by itself.
Values are data: nothing here evaluates them with `tpl`, except friends' config.
A setting the values leave out (a flavor that does not accept it) renders nothing, so that
Kubernetes' own default applies; its keys left out take Pligos' defaults.
*/}}

{{/* ---------------------------------------------------------------- names and labels */}}

{{/*
The release the chart is rendered for: its name and its namespace. They are .Release.Name and
.Release.Namespace, unless the values hold `pligosRender` (docs/values-contract.md), which
Pligos's renderer alone gives when one helm process renders charts of several releases. Every
template reads them through these two, never .Release directly.
*/}}
{{- define "pligos.releaseName" -}}
{{- (.Values.pligosRender | default dict).release | default .Release.Name -}}
{{- end -}}

{{- define "pligos.releaseNamespace" -}}
{{- (.Values.pligosRender | default dict).namespace | default .Release.Namespace -}}
{{- end -}}

{{/*
TEXT evaluated as a template, called with (list TEXT $): `tpl` with .Release.Name and
.Release.Namespace as the two above say.
*/}}
{{- define "pligos.tpl" -}}
{{- $root := index . 1 -}}
{{- $release := dict "Name" (include "pligos.releaseName" $root) "Namespace" (include "pligos.releaseNamespace" $root) -}}
{{- tpl (index . 0) (merge (dict "Release" (merge $release $root.Release)) $root) -}}
{{- end -}}

{{/*
Object name: the release name when it already contains the service name, else
<release>-<service>, cut to 63 characters.
*/}}
{{- define "pligos.fullname" -}}
{{- $name := .Values.metadata.name -}}
{{- $release := include "pligos.releaseName" . -}}
{{- if contains $name $release -}}
{{- $release | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" $release $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
The name of the workload object, called with (list $ KIND): a StatefulSet's and a CronJob's
are cut to 52 characters, since their controllers add up to 11 characters to it in their
pods' labels and their Jobs' names.
*/}}
{{- define "pligos.workloadName" -}}
{{- $root := index . 0 -}}
{{- if has (index . 1) (list "StatefulSet" "CronJob") -}}
{{- include "pligos.fullname" $root | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- include "pligos.fullname" $root -}}
{{- end -}}
{{- end -}}

{{/*
The name of the headless Service of a StatefulSet (its serviceName).
*/}}
{{- define "pligos.headlessName" -}}
{{- printf "%s-headless" (include "pligos.fullname" . | trunc 54 | trimSuffix "-") -}}
{{- end -}}

{{/*
Value of the helm.sh/chart label.
*/}}
{{- define "pligos.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels that select the service's pods.
*/}}
{{- define "pligos.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.metadata.name | quote }}
app.kubernetes.io/instance: {{ include "pligos.releaseName" . | quote }}
{{- end -}}

{{/*
Recommended labels carried by every object.
*/}}
{{- define "pligos.labels" -}}
{{ include "pligos.selectorLabels" . }}
{{- with .Values.metadata.appVersion }}
app.kubernetes.io/version: {{ regexReplaceAll "[^-A-Za-z0-9_.]" (toString .) "_" | trunc 63 | trimAll "-_." | quote }}
{{- end }}
app.kubernetes.io/component: {{ .Values.pligos.flavor | quote }}
app.kubernetes.io/part-of: {{ .Values.metadata.name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ include "pligos.chart" . | quote }}
{{- end -}}

{{/*
The metadata of an object named NAME, called with (list $ NAME) or (list $ NAME ANNOTATIONS):
name, namespace, the recommended labels and the annotations when there are any.
*/}}
{{- define "pligos.metadata" -}}
{{- $root := index . 0 -}}
name: {{ index . 1 | quote }}
namespace: {{ include "pligos.releaseNamespace" $root | quote }}
labels:
  {{- include "pligos.labels" $root | nindent 2 }}
{{- if gt (len .) 2 }}
{{- with index . 2 }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Labels of the pod template: the recommended labels plus pod.labels, which
cannot override the recommended ones.
*/}}
{{- define "pligos.podLabels" -}}
{{- $labels := include "pligos.labels" . | fromYaml -}}
{{- with .Values.pod -}}
{{- with .labels -}}
{{- $labels = merge $labels . -}}
{{- end -}}
{{- end -}}
{{- toYaml $labels -}}
{{- end -}}

{{/*
Hash of everything the pod reads from chart files: the content of every
`files` mount and the script. It changes whenever one of them does, so the
pods roll.
*/}}
{{- define "pligos.configChecksum" -}}
{{- $sums := list -}}
{{- range $mount := .Values.mounts -}}
{{- if eq $mount.type "files" -}}
{{- range $mount.files -}}
{{- $sums = append $sums (list $mount.name .key ($.Files.Get .source | sha256sum)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $command := .Values.command | default dict -}}
{{- if eq ($command.type | default "") "script" -}}
{{- $file := $command.script.file -}}
{{- $sums = append $sums (list "scripts" $file ($.Files.Get (printf "files/scripts/%s" $file) | sha256sum)) -}}
{{- end -}}
{{- with $sums -}}
{{- toJson . | sha256sum -}}
{{- end -}}
{{- end -}}

{{/*
Annotations of the pod template: checksum/config, checksum/secrets (the
version token of the inline secret data, new whenever the data changes, so that
a changed secret rolls the pods too; never derived from the bytes) plus
pod.annotations.
Renders nothing when there are none.
*/}}
{{- define "pligos.podAnnotations" -}}
{{- $annotations := dict -}}
{{- with include "pligos.configChecksum" . -}}
{{- $_ := set $annotations "checksum/config" . -}}
{{- end -}}
{{- with .Values.secretsVersion -}}
{{- $_ := set $annotations "checksum/secrets" (toString .) -}}
{{- end -}}
{{- with .Values.pod -}}
{{- with .annotations -}}
{{- $annotations = merge $annotations . -}}
{{- end -}}
{{- end -}}
{{- with $annotations -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/*
A whole number or a percentage ("25%") as Kubernetes takes an IntOrString.
*/}}
{{- define "pligos.intOrString" -}}
{{- if kindIs "string" . -}}
{{- . | quote -}}
{{- else -}}
{{- . | int -}}
{{- end -}}
{{- end -}}

{{/*
Whether there is more than one pod: "true" or "".
*/}}
{{- define "pligos.manyReplicas" -}}
{{- $autoscaling := .Values.autoscaling | default dict -}}
{{- if or (gt (.Values.replicas | default 0 | int) 1) (and $autoscaling.enabled (gt ($autoscaling.maxReplicas | default 0 | int) 1)) -}}
true
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- secrets */}}

{{/*
The name of the Secret that pligos.yaml calls NAME, called with (list $ NAME):
a Secret the cluster already has (delivery existing) keeps its own name, the
ones this chart makes (inline, external-secrets) are <fullname>-NAME.
*/}}
{{- define "pligos.secretName" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $secret := index ($root.Values.secrets | default dict) $name | default dict -}}
{{- if eq ($secret.delivery | default "inline") "existing" -}}
{{- $secret.name | default $name -}}
{{- else -}}
{{- printf "%s-%s" (include "pligos.fullname" $root) $name -}}
{{- end -}}
{{- end -}}

{{/*
The objects that bring each entry of `secrets` to the cluster, by its delivery:
- inline: a Secret whose data is the values secretData.NAME (key -> base64),
  which `pligos generate` writes to the chart's git- and helm-ignored
  secrets/values.yaml and which helm is given with --values; the chart never
  carries them. Without them rendering fails: an empty Secret would wipe the
  real one on upgrade.
- external-secrets: an ExternalSecret, so that the cluster fetches the data
  from the store itself.
- existing: nothing; the chart refers to the cluster's Secret.
*/}}
{{- define "pligos.secrets" -}}
{{- range $name, $secret := .Values.secrets }}
{{- $delivery := $secret.delivery | default "inline" }}
{{- if eq $delivery "inline" }}
{{- $data := index ($.Values.secretData | default dict) $name }}
{{- if not $data }}
{{- fail (printf "secret %q has no data: a chart never carries secret bytes. Run `pligos generate` where the secret provider is reachable and give helm --values <chart>/secrets/values.yaml, or set the values secretData.%s (each key's bytes, base64)" $name $name) }}
{{- end }}
---
apiVersion: v1
kind: Secret
metadata:
  {{- include "pligos.metadata" (list $ (include "pligos.secretName" (list $ $name))) | nindent 2 }}
type: {{ $secret.type | quote }}
data:
  {{- range $key, $value := $data }}
  {{ $key | quote }}: {{ $value | quote }}
  {{- end }}
{{- else if eq $delivery "external-secrets" }}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  {{- include "pligos.metadata" (list $ (include "pligos.secretName" (list $ $name))) | nindent 2 }}
spec:
  refreshInterval: {{ $secret.refreshInterval | quote }}
  secretStoreRef:
    kind: {{ $secret.store.kind | quote }}
    name: {{ $secret.store.name | quote }}
  target:
    name: {{ include "pligos.secretName" (list $ $name) | quote }}
    creationPolicy: Owner
    template:
      type: {{ $secret.type | quote }}
      {{- if eq $secret.type "kubernetes.io/dockerconfigjson" }}
      engineVersion: v2
      data:
        .dockerconfigjson: {{ `{{ with index . ".dockerconfigjson" }}{{ . }}{{ else }}{{ dict "auths" (dict .registry (dict "username" .username "password" .password "auth" (printf "%s:%s" .username .password | b64enc))) | toJson }}{{ end }}` | quote }}
      {{- end }}
  {{- with $secret.keys }}
  data:
    {{- range . }}
    - secretKey: {{ . | quote }}
      remoteRef:
        key: {{ $secret.remoteKey | quote }}
        property: {{ . | quote }}
    {{- end }}
  {{- else }}
  dataFrom:
    - extract:
        key: {{ $secret.remoteKey | quote }}
  {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Whether friends' credentials reach the container as files ("true") or as
variables (""): security.credentialsAs, files unless it says env.
*/}}
{{- define "pligos.credentialsAsFiles" -}}
{{- if ne ((.Values.security | default dict).credentialsAs | default "files") "env" -}}
true
{{- end -}}
{{- end -}}

{{/*
Where friend FRIEND's credential KEY is mounted, called with (list FRIEND KEY).
*/}}
{{- define "pligos.credentialPath" -}}
{{- printf "/var/run/secrets/pligos/%s/%s" (index . 0) (index . 1) -}}
{{- end -}}

{{/* ---------------------------------------------------------------- containers */}}

{{/*
The reference of IMAGE (a mapping of repository, tag, digest): repository@digest, else
repository:tag, so that image.repository, image.tag or image.digest set at deploy time are
what runs. An image holds one of tag and digest; both set (one of them at deploy time) is
refused, as either choice would silently ignore the other.
*/}}
{{- define "pligos.imageRef" -}}
{{- $image := . -}}
{{- if and $image.digest $image.tag -}}
{{- fail (printf "image %s has both a tag (%v) and a digest (%s): set image.digest= to run the tag, or image.tag= to run the digest" $image.repository $image.tag $image.digest) -}}
{{- else if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else if $image.tag -}}
{{- printf "%s:%s" $image.repository (toString $image.tag) -}}
{{- else -}}
{{- fail (printf "image %s has neither a tag nor a digest: set image.tag or image.digest" $image.repository) -}}
{{- end -}}
{{- end -}}

{{/*
The image the service's container runs (.Values.image).
*/}}
{{- define "pligos.image" -}}
{{- include "pligos.imageRef" .Values.image -}}
{{- end -}}

{{/*
The securityContext of every container of the pod (its fields; empty without `security`):
no privilege escalation, every capability dropped but security.addCapabilities, the root
file system read-only unless security.readOnlyRootFilesystem is false, and not root unless
security.runAsUser is 0. Called with $ or with (list $ IMAGE), IMAGE being a container's
image that runs as its own runAsUser/runAsGroup.
*/}}
{{- define "pligos.containerSecurityContext" -}}
{{- $root := . -}}
{{- $image := dict -}}
{{- if kindIs "slice" . -}}
{{- $root = index . 0 -}}
{{- $image = index . 1 | default dict -}}
{{- end -}}
{{- with $root.Values.security -}}
{{- $user := hasKey . "runAsUser" | ternary .runAsUser 10001 | int -}}
{{- if hasKey $image "runAsUser" -}}
{{- $user = $image.runAsUser | int -}}
{{- end -}}
allowPrivilegeEscalation: false
capabilities:
  drop:
    - ALL
  {{- with .addCapabilities }}
  add:
    {{- range . }}
    - {{ . | quote }}
    {{- end }}
  {{- end }}
readOnlyRootFilesystem: {{ hasKey . "readOnlyRootFilesystem" | ternary .readOnlyRootFilesystem true }}
{{- if hasKey $image "runAsUser" }}
runAsUser: {{ $user }}
{{- end }}
{{- if hasKey $image "runAsGroup" }}
runAsGroup: {{ $image.runAsGroup | int }}
{{- end }}
{{- if ne $user 0 }}
runAsNonRoot: true
{{- else }}
runAsNonRoot: false
{{- end }}
{{- end -}}
{{- end -}}

{{/*
The pod's securityContext (its fields; empty without `security`): the user, group and
file-system group of security (10001 each unless given), not root unless runAsUser is 0,
and the runtime's default seccomp profile.
*/}}
{{- define "pligos.podSecurityContext" -}}
{{- with .Values.security -}}
{{- $user := hasKey . "runAsUser" | ternary .runAsUser 10001 | int -}}
{{- if ne $user 0 -}}
runAsNonRoot: true
{{ end -}}
runAsUser: {{ $user }}
runAsGroup: {{ hasKey . "runAsGroup" | ternary .runAsGroup 10001 | int }}
fsGroup: {{ hasKey . "fsGroup" | ternary .fsGroup 10001 | int }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}
{{- end -}}

{{/*
The variables of a mapping (name -> value), as the items of an `env` list, in the order of
their names.
*/}}
{{- define "pligos.envItems" -}}
{{- range $name, $value := . }}
- name: {{ $name | quote }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end -}}

{{/*
The container's environment, as the items of an `env` list: the context's
variables (the mapping `env`), then each friend's config (the one place where values are
evaluated as templates, so that `{{ .Release.Name }}-postgresql` works) and
credentials: <NAME>_FILE, the path of the mounted credential (credentialsAs files), or
<NAME> read from the chart's Secret (credentialsAs env). Renders nothing when empty.
*/}}
{{- define "pligos.env" -}}
{{- $files := include "pligos.credentialsAsFiles" . -}}
{{- include "pligos.envItems" (.Values.env | default dict) }}
{{- range $name, $friend := .Values.friends }}
{{- range $friend.env }}
- name: {{ .name | quote }}
  value: {{ include "pligos.tpl" (list (toString (index $friend.config .key)) $) | quote }}
{{- end }}
{{- range $friend.credentials }}
{{- if $files }}
- name: {{ printf "%s_FILE" .name | quote }}
  value: {{ include "pligos.credentialPath" (list $name .key) | quote }}
{{- else }}
- name: {{ .name | quote }}
  valueFrom:
    secretKeyRef:
      name: {{ include "pligos.secretName" (list $ .secret) | quote }}
      key: {{ .key | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The probes of a container from a mapping of startup, liveness and readiness (each a
Kubernetes Probe).
*/}}
{{- define "pligos.probes" -}}
{{- with .startup }}
startupProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .liveness }}
livenessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .readiness }}
readinessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The preStop hook of rollout.preStop: {sleep: N} waits N seconds (the kubelet's own sleep
from Kubernetes 1.30, else the image's `sleep`), {command: [...]} runs a command. Renders the
`lifecycle` fields, or nothing.
*/}}
{{- define "pligos.lifecycle" -}}
{{- $preStop := (.Values.rollout | default dict).preStop | default dict -}}
{{- if $preStop.command }}
lifecycle:
  preStop:
    exec:
      command:
        {{- range $preStop.command }}
        - {{ . | quote }}
        {{- end }}
{{- else if $preStop.sleep }}
lifecycle:
  preStop:
    {{- if semverCompare ">=1.30-0" .Capabilities.KubeVersion.Version }}
    sleep:
      seconds: {{ $preStop.sleep | int }}
    {{- else }}
    exec:
      command:
        - "sleep"
        - {{ $preStop.sleep | int | toString | quote }}
    {{- end }}
{{- end }}
{{- end -}}

{{/*
The service's container, as an item of a `containers` list: its image, command, route
ports, environment, resources, probes, preStop hook, securityContext and the mounts the
container itself uses (`main`, true unless said otherwise), friends' credential files and
the script.
*/}}
{{- define "pligos.container" -}}
{{- $command := .Values.command | default dict -}}
{{- $script := eq ($command.type | default "") "script" -}}
{{- $files := include "pligos.credentialsAsFiles" . -}}
- name: {{ .Values.metadata.name | quote }}
  image: {{ include "pligos.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy | default "IfNotPresent" }}
  {{- with $command.command }}
  command:
    {{- range . }}
    - {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with $command.args }}
  args:
    {{- range . }}
    - {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with .Values.routes }}
  ports:
    {{- range . }}
    - name: {{ .name | quote }}
      containerPort: {{ .containerPort | int }}
      protocol: {{ .protocol | default "TCP" }}
    {{- end }}
  {{- end }}
  {{- with include "pligos.env" . }}
  env:
    {{- . | trim | nindent 4 }}
  {{- end }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.probes }}
  {{- include "pligos.probes" . | trim | nindent 2 }}
  {{- end }}
  {{- with include "pligos.lifecycle" . | trim }}
  {{- . | nindent 2 }}
  {{- end }}
  {{- with include "pligos.containerSecurityContext" . }}
  securityContext:
    {{- . | nindent 4 }}
  {{- end }}
  {{- $mounts := list }}
  {{- range .Values.mounts }}
  {{- if not (and (hasKey . "main") (not .main)) }}
  {{- $mounts = append $mounts (dict "name" .name "mountPath" .path "readOnly" .readOnly) }}
  {{- end }}
  {{- end }}
  {{- if $files }}
  {{- range $name, $friend := .Values.friends }}
  {{- if $friend.credentials }}
  {{- $mounts = append $mounts (dict "name" (printf "pligos-friend-%s" $name) "mountPath" (printf "/var/run/secrets/pligos/%s" $name) "readOnly" true) }}
  {{- end }}
  {{- end }}
  {{- end }}
  {{- if $script }}
  {{- $mounts = append $mounts (dict "name" "pligos-scripts" "mountPath" $command.script.mountPath "readOnly" true) }}
  {{- end }}
  {{- with $mounts }}
  volumeMounts:
    {{- range . }}
    - name: {{ .name | quote }}
      mountPath: {{ .mountPath | quote }}
      {{- if .readOnly }}
      readOnly: true
      {{- end }}
    {{- end }}
  {{- end }}
{{- end -}}

{{/*
A sidecar or init container, as a list item, called with (list $ CONTAINER ROLE): ROLE
"init" (runs to completion before the others; no probes), "sidecar" (beside the service's
container) or "native" (a native sidecar: an init container that keeps running, from
Kubernetes 1.29). CONTAINER: {name, image: {repository, tag, digest, pullPolicy}, command:
{command, args}, probes, env (a mapping), mounts: [{name, path, readOnly}], resources}.
*/}}
{{- define "pligos.extraContainer" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $role := index . 2 -}}
{{- $image := $c.image | default dict -}}
{{- $command := $c.command | default dict -}}
- name: {{ $c.name | quote }}
  image: {{ include "pligos.imageRef" $image | quote }}
  imagePullPolicy: {{ $image.pullPolicy | default "IfNotPresent" }}
  {{- if eq $role "native" }}
  restartPolicy: Always
  {{- end }}
  {{- with $command.command }}
  command:
    {{- range . }}
    - {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with $command.args }}
  args:
    {{- range . }}
    - {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with $c.env }}
  env:
    {{- include "pligos.envItems" . | trim | nindent 4 }}
  {{- end }}
  {{- with $c.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if ne $role "init" }}
  {{- with $c.probes }}
  {{- include "pligos.probes" . | trim | nindent 2 }}
  {{- end }}
  {{- end }}
  {{- with include "pligos.containerSecurityContext" (list $root $image) }}
  securityContext:
    {{- . | nindent 4 }}
  {{- end }}
  {{- with $c.mounts }}
  volumeMounts:
    {{- range . }}
    - name: {{ .name | quote }}
      mountPath: {{ .path | quote }}
      {{- if .readOnly }}
      readOnly: true
      {{- end }}
    {{- end }}
  {{- end }}
{{- end -}}

{{/*
Whether sidecars run as native sidecars ("true"): from Kubernetes 1.29, where they are on by
default.
*/}}
{{- define "pligos.nativeSidecars" -}}
{{- if semverCompare ">=1.29-0" .Capabilities.KubeVersion.Version -}}
true
{{- end -}}
{{- end -}}

{{/*
The items of the pod's `initContainers`: the init containers, then (from Kubernetes 1.29)
the sidecars.
*/}}
{{- define "pligos.initContainers" -}}
{{- $containers := .Values.containers | default dict -}}
{{- range $containers.init }}
{{ include "pligos.extraContainer" (list $ . "init") }}
{{- end }}
{{- if include "pligos.nativeSidecars" . }}
{{- range $containers.sidecars }}
{{ include "pligos.extraContainer" (list $ . "native") }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The items of the pod's `containers`: the service's container, then (before Kubernetes 1.29)
the sidecars. Called with $, or with (list $ OPTIONS) as pligos.podSpec is: a Job's pods
(OPTIONS.restartPolicy) need native sidecars, since a sidecar beside the Job's container
would keep the Job from ever completing.
*/}}
{{- define "pligos.containers" -}}
{{- $root := . -}}
{{- $options := dict -}}
{{- if kindIs "slice" . -}}
{{- $root = index . 0 -}}
{{- $options = index . 1 | default dict -}}
{{- end -}}
{{- with $root -}}
{{ include "pligos.container" . }}
{{- $sidecars := (.Values.containers | default dict).sidecars }}
{{- if and $sidecars (not (include "pligos.nativeSidecars" .)) }}
{{- if $options.restartPolicy }}
{{- fail (printf "the sidecars of a Job run as native sidecars, which need Kubernetes 1.29 or later (this is %s): a sidecar beside the Job's container would keep the Job from completing" .Capabilities.KubeVersion.Version) }}
{{- end }}
{{- range $sidecars }}
{{ include "pligos.extraContainer" (list $root . "sidecar") }}
{{- end }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- the pod */}}

{{/*
The pod's volumes, as the items of a `volumes` list: every mount, friends' credential files
and the script. Called with $, or with (list $ OPTIONS) where OPTIONS.claims leaves out the
`volume` mounts (a StatefulSet's volumeClaimTemplates give those). Renders nothing when there
are none.
*/}}
{{- define "pligos.volumes" -}}
{{- $root := . -}}
{{- $options := dict -}}
{{- if kindIs "slice" . -}}
{{- $root = index . 0 -}}
{{- $options = index . 1 | default dict -}}
{{- end -}}
{{- $fullname := include "pligos.fullname" $root -}}
{{- range $root.Values.mounts }}
{{- if not (and $options.claims (eq .type "volume")) }}
- name: {{ .name | quote }}
  {{- if eq .type "files" }}
  configMap:
    name: {{ printf "%s-%s" $fullname .name | quote }}
  {{- else if eq .type "secret" }}
  secret:
    secretName: {{ include "pligos.secretName" (list $root .secret.name) | quote }}
  {{- else if eq .type "hostPath" }}
  hostPath:
    path: {{ .hostPath.path | quote }}
  {{- else if eq .type "volume" }}
  persistentVolumeClaim:
    claimName: {{ printf "%s-%s" $fullname .name | quote }}
  {{- else if eq .type "emptyDir" }}
  {{- $emptyDir := .emptyDir | default dict }}
  {{- if or $emptyDir.medium $emptyDir.sizeLimit }}
  emptyDir:
    {{- with $emptyDir.medium }}
    medium: {{ . | quote }}
    {{- end }}
    {{- with $emptyDir.sizeLimit }}
    sizeLimit: {{ . | quote }}
    {{- end }}
  {{- else }}
  emptyDir: {}
  {{- end }}
  {{- end }}
{{- end }}
{{- end }}
{{- if include "pligos.credentialsAsFiles" $root }}
{{- range $name, $friend := $root.Values.friends }}
{{- if $friend.credentials }}
{{- $bySecret := dict }}
{{- $paths := dict }}
{{- range $friend.credentials }}
{{- $seen := get $paths .key }}
{{- if and $seen (ne $seen .secret) }}
{{- fail (printf "friend %s reads key %q from two secrets (%s, %s): both would be %s" $name .key $seen .secret (include "pligos.credentialPath" (list $name .key))) }}
{{- end }}
{{- $_ := set $paths .key .secret }}
{{- $_ := set $bySecret .secret (append (get $bySecret .secret | default list) .key | uniq) }}
{{- end }}
- name: {{ printf "pligos-friend-%s" $name | quote }}
  projected:
    sources:
      {{- range $secret, $keys := $bySecret }}
      - secret:
          name: {{ include "pligos.secretName" (list $root $secret) | quote }}
          items:
            {{- range $keys }}
            - key: {{ . | quote }}
              path: {{ . | quote }}
            {{- end }}
      {{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- $command := $root.Values.command | default dict }}
{{- if eq ($command.type | default "") "script" }}
- name: pligos-scripts
  configMap:
    name: {{ printf "%s-scripts" $fullname | quote }}
    defaultMode: {{ 0755 }}
{{- end }}
{{- end -}}

{{/*
The pod's topologySpreadConstraints (the list's items): across zones, then nodes, when
scheduling.spread and there is more than one pod; as far as the cluster allows
(ScheduleAnyway), so that a cluster of one zone or one node still runs them all.
*/}}
{{- define "pligos.topologySpread" -}}
{{- $scheduling := .Values.scheduling | default dict -}}
{{- if and (hasKey $scheduling "spread" | ternary $scheduling.spread true) (include "pligos.manyReplicas" .) -}}
{{- range list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
- maxSkew: 1
  topologyKey: {{ . }}
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "pligos.selectorLabels" $ | nindent 6 }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
The name of the ServiceAccount the pods run as: serviceAccount.name, else <fullname> when the
chart makes it; empty (the namespace's default) when neither.
*/}}
{{- define "pligos.serviceAccountName" -}}
{{- with .Values.serviceAccount -}}
{{- if .name -}}
{{- .name -}}
{{- else if .create -}}
{{- include "pligos.fullname" $ -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The pod's imagePullSecrets field (pligos.podSpec renders it with the rest), or nothing.
*/}}
{{- define "pligos.podSpecExtras" -}}
{{- with .Values.image.pullSecrets -}}
imagePullSecrets:
  {{- range . }}
  - name: {{ include "pligos.secretName" (list $ .) | quote }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
The fields of the pod spec: service account, securityContext, pull secrets, scheduling,
termination, containers and volumes. Called with $, or with (list $ OPTIONS): OPTIONS.claims
(a StatefulSet's volumeClaimTemplates give the `volume` mounts), OPTIONS.restartPolicy (a
Job's pods).
*/}}
{{- define "pligos.podSpec" -}}
{{- $root := . -}}
{{- $options := dict -}}
{{- if kindIs "slice" . -}}
{{- $root = index . 0 -}}
{{- $options = index . 1 | default dict -}}
{{- end -}}
{{- with $root -}}
{{- with include "pligos.serviceAccountName" . }}
serviceAccountName: {{ . | quote }}
{{- end }}
{{- with .Values.serviceAccount }}
automountServiceAccountToken: {{ .automountToken | default false }}
{{- end }}
{{- with include "pligos.podSecurityContext" . }}
securityContext:
  {{- . | nindent 2 }}
{{- end }}
{{- with include "pligos.podSpecExtras" . }}
{{ . }}
{{- end }}
{{- with .Values.scheduling }}
{{- with .priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- with include "pligos.topologySpread" . | trim }}
topologySpreadConstraints:
  {{- . | nindent 2 }}
{{- end }}
{{- with (.Values.rollout | default dict).terminationGracePeriodSeconds }}
terminationGracePeriodSeconds: {{ . | int }}
{{- end }}
{{- with $options.restartPolicy }}
restartPolicy: {{ . }}
{{- end }}
{{- with include "pligos.initContainers" . | trim }}
initContainers:
  {{- . | nindent 2 }}
{{- end }}
containers:
  {{- include "pligos.containers" (list . $options) | trim | nindent 2 }}
{{- with include "pligos.volumes" (list . $options) | trim }}
volumes:
  {{- . | nindent 2 }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
A pod template (its metadata and spec), called as pligos.podSpec is.
*/}}
{{- define "pligos.podTemplate" -}}
{{- $root := . -}}
{{- if kindIs "slice" . -}}
{{- $root = index . 0 -}}
{{- end -}}
metadata:
  labels:
    {{- include "pligos.podLabels" $root | nindent 4 }}
  {{- with include "pligos.podAnnotations" $root }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  {{- include "pligos.podSpec" . | trim | nindent 2 }}
{{- end -}}

{{/* ---------------------------------------------------------------- workloads */}}

{{/*
The strategy of a Deployment (rollout.strategy): RollingUpdate with rollout.maxSurge and
rollout.maxUnavailable, or Recreate. Renders the `strategy` field, or nothing without
`rollout`.
*/}}
{{- define "pligos.deploymentStrategy" -}}
{{- with .Values.rollout -}}
{{- if eq (.strategy | default "RollingUpdate") "Recreate" -}}
strategy:
  type: Recreate
{{- else -}}
strategy:
  type: RollingUpdate
  rollingUpdate:
    maxSurge: {{ include "pligos.intOrString" (hasKey . "maxSurge" | ternary .maxSurge "25%") }}
    maxUnavailable: {{ include "pligos.intOrString" (.maxUnavailable | default 0) }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The updateStrategy of a StatefulSet or DaemonSet, called with (list $ KIND): RollingUpdate,
a DaemonSet's with rollout.maxSurge and rollout.maxUnavailable (0 and 1 unless given).
Recreate is for Deployments only and fails.
*/}}
{{- define "pligos.updateStrategy" -}}
{{- $root := index . 0 -}}
{{- $kind := index . 1 -}}
{{- with $root.Values.rollout -}}
{{- $strategy := .strategy | default "RollingUpdate" -}}
{{- if eq $strategy "Recreate" -}}
{{- fail (printf "rollout.strategy Recreate is for Deployments: a %s rolls its pods one by one (RollingUpdate)" $kind) -}}
{{- else if eq $kind "DaemonSet" -}}
updateStrategy:
  type: RollingUpdate
  rollingUpdate:
    maxSurge: {{ include "pligos.intOrString" (.maxSurge | default 0) }}
    maxUnavailable: {{ include "pligos.intOrString" (hasKey . "maxUnavailable" | ternary .maxUnavailable 1) }}
{{- else -}}
updateStrategy:
  type: RollingUpdate
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The revisionHistoryLimit field of a Deployment, StatefulSet or DaemonSet (rollout), or
nothing.
*/}}
{{- define "pligos.revisionHistoryLimit" -}}
{{- with .Values.rollout -}}
{{- if hasKey . "revisionHistoryLimit" -}}
revisionHistoryLimit: {{ .revisionHistoryLimit | int }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The spec of a Job (also a CronJob's jobTemplate.spec), from `job`: 0 leaves a field out.
*/}}
{{- define "pligos.jobSpec" -}}
{{- $job := .Values.job | default dict -}}
backoffLimit: {{ hasKey $job "backoffLimit" | ternary $job.backoffLimit 6 | int }}
{{- range $field := list "activeDeadlineSeconds" "ttlSecondsAfterFinished" "completions" "parallelism" }}
{{- with index $job $field }}
{{ $field }}: {{ . | int }}
{{- end }}
{{- end }}
template:
  {{- include "pligos.podTemplate" (list . (dict "restartPolicy" ($job.restartPolicy | default "OnFailure"))) | nindent 2 }}
{{- end -}}

{{/*
The name of a Job, called with (list $ SPEC), SPEC its rendered spec: <fullname>-<hash of
SPEC>. A Job's pod template cannot change once the Job exists, so a changed spec (a new
image, a new chart version) is a new Job, which runs, and helm removes the old one; an
upgrade that leaves the spec as it was leaves the Job as it ran.
*/}}
{{- define "pligos.jobName" -}}
{{- printf "%s-%s" (include "pligos.fullname" (index . 0) | trunc 54 | trimSuffix "-") (index . 1 | sha256sum | trunc 8) -}}
{{- end -}}

{{/* ---------------------------------------------------------------- the other objects */}}

{{/*
The ServiceAccount the pods run as, when serviceAccount.create: its annotations (a cloud's
workload identity) and no token mounted unless serviceAccount.automountToken.
*/}}
{{- define "pligos.serviceAccount" -}}
{{- $sa := .Values.serviceAccount | default dict -}}
{{- if $sa.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  {{- include "pligos.metadata" (list . (include "pligos.serviceAccountName" .) $sa.annotations) | nindent 2 }}
automountServiceAccountToken: {{ $sa.automountToken | default false }}
{{- end }}
{{- end -}}

{{/*
The ports of a Service (the list's items): one per route, with its appProtocol when set.
*/}}
{{- define "pligos.servicePorts" -}}
{{- range .Values.routes }}
- name: {{ .name | quote }}
  port: {{ .port | int }}
  targetPort: {{ .name | quote }}
  protocol: {{ .protocol | default "TCP" }}
  {{- with .appProtocol }}
  appProtocol: {{ . | quote }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
The Service of the routes: service.type (ClusterIP unless given) and service.annotations.
*/}}
{{- define "pligos.service" -}}
{{- if .Values.routes }}
{{- $service := .Values.service | default dict }}
apiVersion: v1
kind: Service
metadata:
  {{- include "pligos.metadata" (list . (include "pligos.fullname" .) $service.annotations) | nindent 2 }}
spec:
  type: {{ $service.type | default "ClusterIP" }}
  selector:
    {{- include "pligos.selectorLabels" . | nindent 4 }}
  ports:
    {{- include "pligos.servicePorts" . | trim | nindent 4 }}
{{- end }}
{{- end -}}

{{/*
The headless Service of a StatefulSet: each pod's own DNS name
(<pod>.<fullname>-headless.<namespace>.svc), ready or not, so that its peers find it while it
starts.
*/}}
{{- define "pligos.headlessService" -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "pligos.metadata" (list . (include "pligos.headlessName" .)) | nindent 2 }}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector:
    {{- include "pligos.selectorLabels" . | nindent 4 }}
  {{- with include "pligos.servicePorts" . | trim }}
  ports:
    {{- . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
One Ingress, called with (list $ NAME ROUTES CLASS ANNOTATIONS): the routes' hosts and paths
to the Service, TLS hosts grouped by Secret (the one cert-manager writes when
expose.certManager.issuer is set, <fullname>-<tls>; else the entry of `secrets`).
*/}}
{{- define "pligos.ingress" -}}
{{- $root := index . 0 -}}
{{- $routes := index . 2 -}}
{{- $expose := $root.Values.expose | default dict -}}
{{- $certManager := $expose.certManager | default dict -}}
{{- $fullname := include "pligos.fullname" $root -}}
{{- $class := index . 3 | default $expose.ingressClass -}}
{{- $annotations := dict -}}
{{- with $certManager.issuer -}}
{{- $key := eq ($certManager.kind | default "ClusterIssuer") "Issuer" | ternary "cert-manager.io/issuer" "cert-manager.io/cluster-issuer" -}}
{{- $_ := set $annotations $key . -}}
{{- end -}}
{{- $annotations = mergeOverwrite $annotations (deepCopy ($expose.annotations | default dict)) (deepCopy (index . 4 | default dict)) -}}
{{- $tls := dict -}}
{{- range $routes -}}
{{- if .tls -}}
{{- $_ := set $tls .tls (append (get $tls .tls | default list) .fqdn | uniq) -}}
{{- end -}}
{{- end }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  {{- include "pligos.metadata" (list $root (index . 1) $annotations) | nindent 2 }}
spec:
  {{- with $class }}
  ingressClassName: {{ . | quote }}
  {{- end }}
  {{- with $tls }}
  tls:
    {{- range $secret, $hosts := . }}
    - secretName: {{ not (empty $certManager.issuer) | ternary (printf "%s-%s" $fullname $secret) (include "pligos.secretName" (list $root $secret)) | quote }}
      hosts:
        {{- range $hosts }}
        - {{ . | quote }}
        {{- end }}
    {{- end }}
  {{- end }}
  rules:
    {{- range $routes }}
    - host: {{ .fqdn | quote }}
      http:
        paths:
          - path: {{ .path | default "/" | quote }}
            pathType: {{ .pathType | default "Prefix" }}
            backend:
              service:
                name: {{ $fullname | quote }}
                port:
                  name: {{ .name | quote }}
    {{- end }}
{{- end -}}

{{/*
The Ingresses of the routes with an fqdn, when expose.via is ingress (the default): one
<fullname> for the routes of the context's class and annotations, and one
<fullname>-<route> for each route with its own ingressClass or annotations.
*/}}
{{- define "pligos.ingresses" -}}
{{- $expose := .Values.expose | default dict -}}
{{- if eq ($expose.via | default "ingress") "ingress" -}}
{{- $fullname := include "pligos.fullname" . -}}
{{- $shared := list -}}
{{- range .Values.routes -}}
{{- if and .fqdn (not (or .ingressClass .annotations)) -}}
{{- $shared = append $shared . -}}
{{- end -}}
{{- end -}}
{{- with $shared -}}
{{ include "pligos.ingress" (list $ $fullname . "" dict) }}
{{- end -}}
{{- range .Values.routes -}}
{{- if and .fqdn (or .ingressClass .annotations) }}
{{ include "pligos.ingress" (list $ (printf "%s-%s" $fullname .name) (list .) (.ingressClass | default "") (.annotations | default dict)) }}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The parentRefs of a Gateway API route: the Gateway of expose.gateway.
*/}}
{{- define "pligos.parentRefs" -}}
{{- $gateway := (.Values.expose | default dict).gateway | default dict -}}
parentRefs:
  - name: {{ required "expose.via gateway needs expose.gateway.name: the Gateway the routes attach to" $gateway.name | quote }}
    {{- with $gateway.namespace }}
    namespace: {{ . | quote }}
    {{- end }}
    {{- with $gateway.sectionName }}
    sectionName: {{ . | quote }}
    {{- end }}
{{- end -}}

{{/*
One HTTPRoute per route with an fqdn but appProtocol grpc, when expose.via is gateway:
<fullname>-<route>, for its host and path, to the Service's port.
*/}}
{{- define "pligos.httpRoutes" -}}
{{- if eq ((.Values.expose | default dict).via | default "ingress") "gateway" -}}
{{- $fullname := include "pligos.fullname" . -}}
{{- range .Values.routes -}}
{{- if and .fqdn (ne (.appProtocol | default "") "grpc") }}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  {{- include "pligos.metadata" (list $ (printf "%s-%s" $fullname .name)) | nindent 2 }}
spec:
  {{- include "pligos.parentRefs" $ | nindent 2 }}
  hostnames:
    - {{ .fqdn | quote }}
  rules:
    - matches:
        - path:
            type: {{ eq (.pathType | default "Prefix") "Exact" | ternary "Exact" "PathPrefix" }}
            value: {{ .path | default "/" | quote }}
      backendRefs:
        - name: {{ $fullname | quote }}
          port: {{ .port | int }}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
One GRPCRoute per route with an fqdn and appProtocol grpc, when expose.via is gateway:
<fullname>-<route>, every method of its host to the Service's port.
*/}}
{{- define "pligos.grpcRoutes" -}}
{{- if eq ((.Values.expose | default dict).via | default "ingress") "gateway" -}}
{{- $fullname := include "pligos.fullname" . -}}
{{- range .Values.routes -}}
{{- if and .fqdn (eq (.appProtocol | default "") "grpc") }}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  {{- include "pligos.metadata" (list $ (printf "%s-%s" $fullname .name)) | nindent 2 }}
spec:
  {{- include "pligos.parentRefs" $ | nindent 2 }}
  hostnames:
    - {{ .fqdn | quote }}
  rules:
    - backendRefs:
        - name: {{ $fullname | quote }}
          port: {{ .port | int }}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The NetworkPolicy of the pods, when networkPolicy.enabled. In: to the route ports, from
networkPolicy.ingressFrom (from anywhere when empty); nothing else (no routes: nothing).
Out: DNS, every pod of the namespace (where the friends run) and networkPolicy.egressTo;
anywhere with networkPolicy.allowAllEgress.
*/}}
{{- define "pligos.networkPolicy" -}}
{{- $policy := .Values.networkPolicy | default dict -}}
{{- if $policy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "pligos.metadata" (list . (include "pligos.fullname" .)) | nindent 2 }}
spec:
  podSelector:
    matchLabels:
      {{- include "pligos.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  {{- with .Values.routes }}
  ingress:
    {{- with $policy.ingressFrom }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
    {{- else }}
    - ports:
    {{- end }}
        {{- range . }}
        - port: {{ .containerPort | int }}
          protocol: {{ .protocol | default "TCP" }}
        {{- end }}
  {{- end }}
  egress:
    {{- if $policy.allowAllEgress }}
    - {}
    {{- else }}
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    - to:
        - podSelector: {}
    {{- with $policy.egressTo }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- end }}
{{- end }}
{{- end -}}

{{/*
The HorizontalPodAutoscaler of the workload KIND, called with (list $ KIND), when
autoscaling.enabled: between minReplicas (replicas, else 1, unless given) and maxReplicas, on
the average CPU and/or memory utilisation of the pods' requests (cpu 80% when neither is
given).
*/}}
{{- define "pligos.hpa" -}}
{{- $root := index . 0 -}}
{{- $kind := index . 1 -}}
{{- $autoscaling := $root.Values.autoscaling | default dict -}}
{{- if $autoscaling.enabled }}
{{- $targets := dict -}}
{{- with $autoscaling.cpu }}{{ $_ := set $targets "cpu" . }}{{ end -}}
{{- with $autoscaling.memory }}{{ $_ := set $targets "memory" . }}{{ end -}}
{{- if not $targets }}{{ $_ := set $targets "cpu" 80 }}{{ end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  {{- include "pligos.metadata" (list $root (include "pligos.fullname" $root)) | nindent 2 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: {{ $kind }}
    name: {{ include "pligos.workloadName" (list $root $kind) | quote }}
  minReplicas: {{ $autoscaling.minReplicas | default $root.Values.replicas | default 1 | int }}
  maxReplicas: {{ required "autoscaling needs maxReplicas" $autoscaling.maxReplicas | int }}
  metrics:
    {{- range $name, $target := $targets }}
    - type: Resource
      resource:
        name: {{ $name }}
        target:
          type: Utilization
          averageUtilization: {{ $target | int }}
    {{- end }}
{{- end }}
{{- end -}}

{{/*
The PodDisruptionBudget of the pods, when disruption.enabled: disruption.minAvailable when
set, else disruption.maxUnavailable (1). A pod that is not running well may always be
evicted, so that it never blocks draining a node.
*/}}
{{- define "pligos.pdb" -}}
{{- $disruption := .Values.disruption | default dict -}}
{{- if $disruption.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "pligos.metadata" (list . (include "pligos.fullname" .)) | nindent 2 }}
spec:
  selector:
    matchLabels:
      {{- include "pligos.selectorLabels" . | nindent 6 }}
  {{- if and (hasKey $disruption "minAvailable") (ne (toString $disruption.minAvailable) "") (ne (toString $disruption.minAvailable) "<nil>") }}
  minAvailable: {{ include "pligos.intOrString" $disruption.minAvailable }}
  {{- else }}
  {{- $max := $disruption.maxUnavailable }}
  maxUnavailable: {{ include "pligos.intOrString" (has (toString $max) (list "" "<nil>") | ternary 1 $max) }}
  {{- end }}
  unhealthyPodEvictionPolicy: AlwaysAllow
{{- end }}
{{- end -}}

{{/*
One ConfigMap per `files` mount: UTF-8 text in `data`, other files
in `binaryData` (their chart files hold them base64-encoded), each with its
exact bytes.
*/}}
{{- define "pligos.configmaps" -}}
{{- $fullname := include "pligos.fullname" . -}}
{{- range $mount := .Values.mounts }}
{{- if eq $mount.type "files" }}
{{- $text := dict }}
{{- $binary := dict }}
{{- range $mount.files }}
{{- if .binary }}
{{- $_ := set $binary .key ($.Files.Get .source) }}
{{- else }}
{{- $_ := set $text .key ($.Files.Get .source) }}
{{- end }}
{{- end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  {{- include "pligos.metadata" (list $ (printf "%s-%s" $fullname $mount.name)) | nindent 2 }}
{{- with $text }}
data:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $binary }}
binaryData:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The ConfigMap that carries the script of a `script` command, from
files/scripts/<file>.
*/}}
{{- define "pligos.scripts" -}}
{{- $command := .Values.command | default dict }}
{{- if eq ($command.type | default "") "script" }}
{{- $file := $command.script.file }}
apiVersion: v1
kind: ConfigMap
metadata:
  {{- include "pligos.metadata" (list . (printf "%s-scripts" (include "pligos.fullname" .))) | nindent 2 }}
data:
  {{- toYaml (dict $file (.Files.Get (printf "files/scripts/%s" $file))) | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The spec of the claim of a `volume` mount (a PersistentVolumeClaim's or a volumeClaimTemplate's).
*/}}
{{- define "pligos.claimSpec" -}}
accessModes:
  - {{ .volume.accessMode | default "ReadWriteOnce" }}
{{- with .volume.storageClass }}
storageClassName: {{ . | quote }}
{{- end }}
resources:
  requests:
    storage: {{ .volume.size | quote }}
{{- end -}}

{{/*
One PersistentVolumeClaim per `volume` mount, kept when the release is uninstalled (helm
never deletes the data).
*/}}
{{- define "pligos.pvcs" -}}
{{- $fullname := include "pligos.fullname" . -}}
{{- range .Values.mounts }}
{{- if eq .type "volume" }}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  {{- include "pligos.metadata" (list $ (printf "%s-%s" $fullname .name) (dict "helm.sh/resource-policy" "keep")) | nindent 2 }}
spec:
  {{- include "pligos.claimSpec" . | nindent 2 }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The volumeClaimTemplates of a StatefulSet (the list's items): one claim per pod for each
`volume` mount, named after the mount. Only the selector labels: a StatefulSet's claim
templates cannot change after it is made.
*/}}
{{- define "pligos.volumeClaimTemplates" -}}
{{- range .Values.mounts }}
{{- if eq .type "volume" }}
- metadata:
    name: {{ .name | quote }}
    labels:
      {{- include "pligos.selectorLabels" $ | nindent 6 }}
  spec:
    {{- include "pligos.claimSpec" . | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}

{{/* ---------------------------------------------------------------- NOTES.txt */}}

{{/*
The lines of NOTES.txt that tell where each route is reached.
*/}}
{{- define "pligos.routeNotes" -}}
{{- $via := (.Values.expose | default dict).via | default "ingress" -}}
{{- range .Values.routes }}
{{- if and .fqdn (ne $via "none") }}
  {{ .name }}: {{ if .tls }}https{{ else }}http{{ end }}://{{ .fqdn }}{{ .path | default "/" }} (through {{ eq $via "gateway" | ternary (eq (.appProtocol | default "") "grpc" | ternary "a GRPCRoute" "an HTTPRoute") "an Ingress" }})
{{- else }}
  {{ .name }}: {{ include "pligos.fullname" $ }}.{{ include "pligos.releaseNamespace" $ }}.svc:{{ .port }} (in the cluster)
{{- end }}
{{- end }}
{{- end -}}

{{/*
The lines of NOTES.txt that tell how to upgrade this release, and what it
needs besides the chart: the inline secret data, given with --values.
*/}}
{{- define "pligos.upgradeNotes" -}}
{{- $inline := list -}}
{{- range $name, $secret := .Values.secrets -}}
{{- if eq ($secret.delivery | default "inline") "inline" -}}
{{- $inline = append $inline $name -}}
{{- end -}}
{{- end }}
Upgrade it with:
  helm upgrade --install {{ include "pligos.releaseName" . }} <chart> --namespace {{ include "pligos.releaseNamespace" . }}{{ if $inline }} --values <chart>/secrets/values.yaml{{ end }}
{{- with $inline }}
The data of the inline secrets ({{ join ", " . }}) is never part of the chart: `pligos generate` writes it to the chart's secrets/values.yaml.
{{- end }}
{{- end -}}
