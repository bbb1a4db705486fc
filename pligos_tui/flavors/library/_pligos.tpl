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
Annotations of the pod template: checksum/config plus pod.annotations.
Renders nothing when there are none.
*/}}
{{- define "pligos.podAnnotations" -}}
{{- $annotations := dict -}}
{{- with include "pligos.configChecksum" . -}}
{{- $_ := set $annotations "checksum/config" . -}}
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
{{- $fullname := include "pligos.fullname" . -}}
{{- with .Values.image.pullSecrets -}}
imagePullSecrets:
  {{- range . }}
  - name: {{ printf "%s-%s" $fullname . | quote }}
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
{{- $fullname := include "pligos.fullname" . -}}
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
      name: {{ printf "%s-%s" $fullname .secret | quote }}
      key: {{ .key | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
One Secret per entry of `secrets`, its data read from the chart's secrets/
folder (which holds the provider's bytes, base64-encoded).
*/}}
{{- define "pligos.secrets" -}}
{{- $fullname := include "pligos.fullname" . -}}
{{- range $name, $secret := .Values.secrets }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ printf "%s-%s" $fullname $name | quote }}
  labels:
    {{- include "pligos.labels" $ | nindent 4 }}
type: {{ $secret.type | quote }}
data:
  {{- range $secret.files }}
  {{ .key | quote }}: {{ $.Files.Get .source | quote }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
The service's container, as an item of a `containers` list.
*/}}
{{- define "pligos.container" -}}
- name: {{ .Values.metadata.name | quote }}
  image: {{ .Values.image.ref | quote }}
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
    secretName: {{ printf "%s-%s" $fullname .secret.name | quote }}
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
