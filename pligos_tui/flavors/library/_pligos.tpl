{{/*
Shared templates of the Pligos values contract, version 1 (see docs/values-contract.md).
Values are data: nothing here evaluates them with `tpl`.
*/}}

{{/*
Object name: the release name when it already contains the service name, else
<release>-<service>, cut to 63 characters.
*/}}
{{- define "pligos.fullname" -}}
{{- $name := .Values.metadata.name -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
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
app.kubernetes.io/instance: {{ .Release.Name | quote }}
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
{{- if eq .Values.command.type "script" -}}
{{- $file := .Values.command.script.file -}}
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
Pod spec fields that do not belong to the container.
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
The container's environment, as the items of an `env` list: the context's
variables, then each friend's config (the one place where values are
evaluated as templates, so that `{{ .Release.Name }}-postgresql` works) and
credentials (read from the chart's Secrets). Renders nothing when empty.
*/}}
{{- define "pligos.env" -}}
{{- range .Values.env }}
- name: {{ .name | quote }}
  value: {{ .value | quote }}
{{- end }}
{{- range $name, $friend := .Values.friends }}
{{- range $friend.env }}
- name: {{ .name | quote }}
  value: {{ tpl (toString (index $friend.config .key)) $ | quote }}
{{- end }}
{{- range $friend.credentials }}
- name: {{ .name | quote }}
  valueFrom:
    secretKeyRef:
      name: {{ include "pligos.secretName" (list $ .secret) | quote }}
      key: {{ .key | quote }}
{{- end }}
{{- end }}
{{- end -}}

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
  name: {{ include "pligos.secretName" (list $ $name) | quote }}
  namespace: {{ $.Release.Namespace | quote }}
  labels:
    {{- include "pligos.labels" $ | nindent 4 }}
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
  name: {{ include "pligos.secretName" (list $ $name) | quote }}
  namespace: {{ $.Release.Namespace | quote }}
  labels:
    {{- include "pligos.labels" $ | nindent 4 }}
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
The image the container runs: repository@digest, else repository:tag, so that
image.repository, image.tag or image.digest set at deploy time are what runs.
A chart holds one of tag and digest; both set (one of them at deploy time) is
refused, as either choice would silently ignore the other.
*/}}
{{- define "pligos.image" -}}
{{- $image := .Values.image -}}
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
The service's container, as an item of a `containers` list.
*/}}
{{- define "pligos.container" -}}
- name: {{ .Values.metadata.name | quote }}
  image: {{ include "pligos.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy | default "IfNotPresent" }}
  {{- with .Values.command.command }}
  command:
    {{- range . }}
    - {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with .Values.command.args }}
  args:
    {{- range . }}
    - {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with .Values.routes }}
  ports:
    {{- range . }}
    - name: {{ .name | quote }}
      containerPort: {{ .containerPort }}
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
  {{- with .startup }}
  startupProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .liveness }}
  livenessProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .readiness }}
  readinessProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
  {{- $script := eq .Values.command.type "script" }}
  {{- if or .Values.mounts $script }}
  volumeMounts:
    {{- range .Values.mounts }}
    - name: {{ .name | quote }}
      mountPath: {{ .path | quote }}
      {{- if .readOnly }}
      readOnly: true
      {{- end }}
    {{- end }}
    {{- if $script }}
    - name: pligos-scripts
      mountPath: {{ .Values.command.script.mountPath | quote }}
      readOnly: true
    {{- end }}
  {{- end }}
{{- end -}}

{{/*
The pod's volumes, as the items of a `volumes` list. Renders nothing when
there are none.
*/}}
{{- define "pligos.volumes" -}}
{{- $fullname := include "pligos.fullname" . -}}
{{- range .Values.mounts }}
- name: {{ .name | quote }}
  {{- if eq .type "files" }}
  configMap:
    name: {{ printf "%s-%s" $fullname .name | quote }}
  {{- else if eq .type "secret" }}
  secret:
    secretName: {{ include "pligos.secretName" (list $ .secret.name) | quote }}
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
{{- if eq .Values.command.type "script" }}
- name: pligos-scripts
  configMap:
    name: {{ printf "%s-scripts" $fullname | quote }}
    defaultMode: {{ 0755 }}
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
  name: {{ printf "%s-%s" $fullname $mount.name | quote }}
  namespace: {{ $.Release.Namespace | quote }}
  labels:
    {{- include "pligos.labels" $ | nindent 4 }}
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
{{- if eq .Values.command.type "script" }}
{{- $file := .Values.command.script.file }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ printf "%s-scripts" (include "pligos.fullname" .) | quote }}
  namespace: {{ $.Release.Namespace | quote }}
  labels:
    {{- include "pligos.labels" . | nindent 4 }}
data:
  {{- toYaml (dict $file (.Files.Get (printf "files/scripts/%s" $file))) | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
One PersistentVolumeClaim per `volume` mount.
*/}}
{{- define "pligos.pvcs" -}}
{{- $fullname := include "pligos.fullname" . -}}
{{- range .Values.mounts }}
{{- if eq .type "volume" }}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ printf "%s-%s" $fullname .name | quote }}
  namespace: {{ $.Release.Namespace | quote }}
  labels:
    {{- include "pligos.labels" $ | nindent 4 }}
spec:
  accessModes:
    - {{ .volume.accessMode | default "ReadWriteOnce" }}
  {{- with .volume.storageClass }}
  storageClassName: {{ . | quote }}
  {{- end }}
  resources:
    requests:
      storage: {{ .volume.size | quote }}
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
  helm upgrade --install {{ .Release.Name }} <chart> --namespace {{ .Release.Namespace }}{{ if $inline }} --values <chart>/secrets/values.yaml{{ end }}
{{- with $inline }}
The data of the inline secrets ({{ join ", " . }}) is never part of the chart: `pligos generate` writes it to the chart's secrets/values.yaml.
{{- end }}
{{- end -}}

