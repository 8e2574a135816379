{{- define "platform.name" -}}{{ .Release.Name }}-platform{{- end -}}
{{- define "platform.temporalAddress" -}}
{{- if .Values.temporal.external -}}{{ .Values.temporal.external }}{{- else -}}{{ include "platform.name" . }}-temporal:7233{{- end -}}
{{- end -}}
{{- define "platform.mlflowUri" -}}
{{- if .Values.mlflow.external -}}{{ .Values.mlflow.external }}{{- else -}}http://{{ include "platform.name" . }}-mlflow:5000{{- end -}}
{{- end -}}
{{- define "platform.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
