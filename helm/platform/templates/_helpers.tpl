{{- define "platform.name" -}}{{ .Release.Name }}-platform{{- end -}}
{{- define "platform.temporalAddress" -}}
{{- if .Values.temporal.external -}}{{ .Values.temporal.external }}{{- else -}}{{ include "platform.name" . }}-temporal:7233{{- end -}}
{{- end -}}
{{- define "platform.mlflowUri" -}}
{{- if .Values.mlflow.external -}}{{ .Values.mlflow.external }}{{- else -}}http://{{ include "platform.name" . }}-mlflow:5000{{- end -}}
{{- end -}}
{{- define "platform.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
{{- define "platform.authSecret" -}}{{ .Values.auth.existingSecret | default (printf "%s-auth" (include "platform.name" .)) }}{{- end -}}
{{- define "platform.tlsSecret" -}}{{ .Values.temporal.tls.existingSecret | default (printf "%s-temporal-tls" (include "platform.name" .)) }}{{- end -}}
{{- define "platform.temporalTls" -}}{{ if or (not .Values.temporal.external) .Values.temporal.tls.external }}true{{ end }}{{- end -}}
{{/* The environment every Temporal and MLflow client of the chart gets: addresses and credentials from the Secrets. */}}
{{- define "platform.clientEnv" -}}
- { name: TEMPORAL_ADDRESS, value: {{ include "platform.temporalAddress" . | quote }} }
- { name: TEMPORAL_NAMESPACE, value: {{ .Values.temporal.namespace | quote }} }
- { name: TEMPORAL_API_KEY, valueFrom: { secretKeyRef: { name: {{ include "platform.authSecret" . }}, key: temporal-api-key, optional: {{ if .Values.temporal.external }}true{{ else }}false{{ end }} } } }
{{- if include "platform.temporalTls" . }}
- { name: TEMPORAL_TLS, value: "true" }
{{- if not .Values.temporal.external }}
- { name: TEMPORAL_TLS_CA, value: /tls/ca.crt }
- { name: TEMPORAL_TLS_SERVER_NAME, value: {{ printf "%s-temporal" (include "platform.name" .) | quote }} }
{{- end }}
{{- end }}
- { name: MLFLOW_TRACKING_URI, value: {{ include "platform.mlflowUri" . | quote }} }
- { name: MLFLOW_TRACKING_USERNAME, value: {{ .Values.mlflow.username | quote }} }
- { name: MLFLOW_TRACKING_PASSWORD, valueFrom: { secretKeyRef: { name: {{ include "platform.authSecret" . }}, key: mlflow-password } } }
{{- end -}}
