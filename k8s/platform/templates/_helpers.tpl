{{/*
Helpers of the platform chart. Every template ranges over the services in a fixed order and calls these with
a context built by "platform.ctx": (dict "root" $ "name" "bid" "svc" .Values.services.bid).
*/}}

{{/* The four services in the order every template renders them. */}}
{{- define "platform.serviceNames" -}}
bid routing compliance analytics
{{- end -}}

{{/* The gRPC peers each service calls, and the variable that holds a peer's address (libs/<peer>/client). */}}
{{- define "platform.peers" -}}
bid: [routing, compliance]
analytics: [routing]
{{- end -}}

{{/* Services that hash phone numbers and so need COMPLIANCE_PHONE_HASH_PEPPER (compliance, and bid through compliance's client). */}}
{{- define "platform.pepperServices" -}}
bid compliance
{{- end -}}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "platform.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A service's resource name: <release>-<service>, at most 63 characters. */}}
{{- define "platform.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A peer's resource name, from the root context and the peer's service name. */}}
{{- define "platform.peerName" -}}
{{- printf "%s-%s" .root.Release.Name .peer | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select one service's pods (stable across upgrades: never add a changing value here). */}}
{{- define "platform.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Labels of every resource of one service (`component` in the context overrides the service name). */}}
{{- define "platform.labels" -}}
{{ include "platform.selectorLabels" . }}
app.kubernetes.io/part-of: platform
app.kubernetes.io/component: {{ .component | default .name }}
app.kubernetes.io/version: {{ .root.Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "platform.chart" .root }}
{{- end -}}

{{/* Labels of the chart's platform-wide resources (dashboards, rules). */}}
{{- define "platform.commonLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: platform
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "platform.chart" . }}
{{- end -}}

{{/* The image of one service: <registry>/<prefix>/<service>:<tag>. */}}
{{- define "platform.image" -}}
{{- $img := .root.Values.image -}}
{{- $repo := printf "%s/%s" $img.repositoryPrefix .name | trimPrefix "/" -}}
{{- if $img.registry -}}{{- $repo = printf "%s/%s" $img.registry $repo -}}{{- end -}}
{{- printf "%s:%s" $repo (required "image.tag is required" $img.tag) -}}
{{- end -}}

{{/* Replicas of one service: its own replicaCount, else the shared one. */}}
{{- define "platform.replicas" -}}
{{- if hasKey .svc "replicaCount" -}}{{ .svc.replicaCount }}{{- else -}}{{ .root.Values.replicaCount }}{{- end -}}
{{- end -}}

{{/* Resources of one service: its own block, else the shared one. */}}
{{- define "platform.resources" -}}
{{- if hasKey .svc "resources" -}}{{ toYaml .svc.resources }}{{- else -}}{{ toYaml .root.Values.resources }}{{- end -}}
{{- end -}}

{{/*
The non-secret environment of one service, as a YAML map (variable → string). The ConfigMap holds it, the
Deployment's checksum annotation hashes it, and the migration Job (a pre-install hook, which runs before the
ConfigMap exists) renders it inline.
*/}}
{{- define "platform.configData" -}}
{{- $c := .root.Values.config -}}
{{- $data := dict
  "NODE_ENV" $c.nodeEnv
  "HOST" "0.0.0.0"
  "HTTP_PORT" (toString .svc.httpPort)
  "GRPC_PORT" (toString .svc.grpcPort)
  "HTTP_ADAPTER" $c.httpAdapter
  "HTTP_CACHE_FAST_PATH" (toString $c.httpCacheFastPath)
  "DB_SCHEMA" .svc.dbSchema
  "DB_POOL_SIZE" (toString $c.dbPoolSize)
  "DB_STATEMENT_TIMEOUT_MS" (toString $c.dbStatementTimeoutMs)
  "DB_PREPARED_STATEMENTS" (toString $c.dbPreparedStatements)
  "CACHE_ENABLED" (toString $c.cacheEnabled)
  "CACHE_L2" $c.cacheL2
  "KAFKA_BROKERS" $c.kafkaBrokers
  "KAFKA_ENSURE_TOPICS" (toString $c.kafkaEnsureTopics)
  "LOG_LEVEL" $c.logLevel
  "SHUTDOWN_TIMEOUT_MS" (toString $c.shutdownTimeoutMs)
  "SHUTDOWN_DRAIN_DELAY_MS" (toString $c.shutdownDrainDelayMs)
  "RATE_LIMIT_ENABLED" (toString $c.rateLimitEnabled)
  "RATE_LIMIT_POINTS" (toString (int64 $c.rateLimitPoints))
  "RATE_LIMIT_WINDOW_S" (toString (int64 $c.rateLimitWindowSeconds))
  "RATE_LIMIT_REDIS_TIMEOUT_MS" (toString (int64 $c.rateLimitRedisTimeoutMs))
  "HTTP_TRUST_PROXY" (toString $c.httpTrustProxy)
  "HTTP_BODY_LIMIT_BYTES" (toString (int64 $c.httpBodyLimitBytes))
  "GRPC_MAX_RECEIVE_MESSAGE_BYTES" (toString (int64 $c.grpcMaxMessageBytes))
  "GRPC_MAX_SEND_MESSAGE_BYTES" (toString (int64 $c.grpcMaxMessageBytes))
-}}
{{- if not .root.Values.secrets.redisUrlKey -}}{{- $_ := set $data "REDIS_URL" $c.redisUrl -}}{{- end -}}
{{- if $c.redisClusterNodes -}}{{- $_ := set $data "REDIS_CLUSTER_NODES" $c.redisClusterNodes -}}{{- end -}}
{{- with (get $c.edgeVarnishUrls .name) -}}{{- $_ := set $data "EDGE_VARNISH_URLS" . -}}{{- end -}}
{{- $_ := set $data "AUTH_MODE" $c.authMode -}}
{{- if eq $c.authMode "jwt" -}}
{{- $_ := set $data "AUTH_AUDIENCE" $c.authAudience -}}
{{- if $c.authIssuer -}}{{- $_ := set $data "AUTH_ISSUER" $c.authIssuer -}}{{- end -}}
{{- if $c.authJwksUrl -}}{{- $_ := set $data "AUTH_JWKS_URL" $c.authJwksUrl -}}{{- end -}}
{{- end -}}
{{- if $c.nodeOptions -}}{{- $_ := set $data "NODE_OPTIONS" $c.nodeOptions -}}{{- end -}}
{{- include "platform.kafkaSecurityData" (dict "root" .root "data" $data) -}}
{{- $root := .root -}}
{{- $peers := include "platform.peers" . | fromYaml -}}
{{- range $peer := (get $peers .name | default list) -}}
{{- $peerSvc := get $root.Values.services $peer -}}
{{- $_ := set $data (printf "%s_GRPC_ADDRESS" (upper $peer)) (printf "%s:%v" (include "platform.peerName" (dict "root" $root "peer" $peer)) $peerSvc.grpcPort) -}}
{{- end -}}
{{- if eq .name "analytics" -}}
{{- $urls := list -}}
{{- range $n := splitList " " (include "platform.serviceNames" .) -}}
{{- $s := get $root.Values.services $n -}}
{{- if $s.enabled -}}
{{- $urls = append $urls (printf "%s=http://%s:%v/metrics" $n (include "platform.peerName" (dict "root" $root "peer" $n)) $s.httpPort) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $data "ANALYTICS_DASHBOARD_METRICS_URLS" (join "," $urls) -}}
{{- end -}}
{{- $data = merge $data (include "platform.credentialsConfig" . | fromYaml) -}}
{{- range $k, $v := .svc.env -}}{{- $_ := set $data $k (toString $v) -}}{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/* Where the password files of secrets.*PasswordKey are mounted (read-only, from secrets.existingSecret). */}}
{{- define "platform.secretFilesPath" -}}/etc/platform/secrets{{- end -}}

{{/*
The non-secret half of the Redis and Postgres credentials, as a YAML map for platform.configData: the ACL user,
TLS switches, and the paths of the mounted password and TLS files (`*_FILE`: the service reads the file; the
secret itself never enters the environment or the ConfigMap).
*/}}
{{- define "platform.credentialsConfig" -}}
{{- $c := .root.Values.config -}}
{{- $s := .root.Values.secrets -}}
{{- $t := .root.Values.tls -}}
{{- $data := dict -}}
{{- if $c.redisUsername -}}{{- $_ := set $data "REDIS_USERNAME" $c.redisUsername -}}{{- end -}}
{{- if $c.redisTls -}}{{- $_ := set $data "REDIS_TLS" "true" -}}{{- end -}}
{{- if $c.redisTlsServername -}}{{- $_ := set $data "REDIS_TLS_SERVERNAME" $c.redisTlsServername -}}{{- end -}}
{{- if $c.databaseSslMode -}}{{- $_ := set $data "DATABASE_SSL_MODE" $c.databaseSslMode -}}{{- end -}}
{{- if $s.redisPasswordKey -}}{{- $_ := set $data "REDIS_PASSWORD_FILE" (printf "%s/redis-password" (include "platform.secretFilesPath" .)) -}}{{- end -}}
{{- if $s.databasePasswordKey -}}{{- $_ := set $data "DATABASE_PASSWORD_FILE" (printf "%s/database-password" (include "platform.secretFilesPath" .)) -}}{{- end -}}
{{- $files := dict "REDIS_TLS_CA_FILE" $t.redisCaKey "REDIS_TLS_CERT_FILE" $t.redisCertKey "REDIS_TLS_KEY_FILE" $t.redisKeyKey "DATABASE_SSL_CA_FILE" $t.databaseCaKey "DATABASE_SSL_CERT_FILE" $t.databaseCertKey "DATABASE_SSL_KEY_FILE" $t.databaseKeyKey -}}
{{- range $name, $key := $files -}}
{{- if $key -}}
{{- $_ := required (printf "tls.existingSecret is required: %s names a key of it" $name) $t.existingSecret -}}
{{- $_ := set $data $name (printf "%s/%s" (trimSuffix "/" $t.mountPath) $key) -}}
{{- end -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/* Volume mounts of the password files and the tls Secret (read-only), for a service's and a migration Job's container. */}}
{{- define "platform.credentialMounts" -}}
{{- $s := .root.Values.secrets -}}
{{- if or $s.redisPasswordKey $s.databasePasswordKey }}
- name: secret-files
  mountPath: {{ include "platform.secretFilesPath" . }}
  readOnly: true
{{- end }}
{{- if .root.Values.tls.existingSecret }}
- name: tls
  mountPath: {{ .root.Values.tls.mountPath }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* The volumes behind platform.credentialMounts: only the password keys of secrets.existingSecret, and the tls Secret. */}}
{{- define "platform.credentialVolumes" -}}
{{- $s := .root.Values.secrets -}}
{{- if or $s.redisPasswordKey $s.databasePasswordKey }}
- name: secret-files
  secret:
    secretName: {{ $s.existingSecret }}
    defaultMode: 288 # 0440: owner and fsGroup read (decimal: YAML 1.2 parsers read 0440 as 440)
    items:
      {{- if $s.redisPasswordKey }}
      - key: {{ $s.redisPasswordKey }}
        path: redis-password
      {{- end }}
      {{- if $s.databasePasswordKey }}
      - key: {{ $s.databasePasswordKey }}
        path: database-password
      {{- end }}
{{- end }}
{{- with .root.Values.tls.existingSecret }}
- name: tls
  secret:
    secretName: {{ . }}
    defaultMode: 288 # 0440: owner and fsGroup read (decimal: YAML 1.2 parsers read 0440 as 440)
{{- end }}
{{- end -}}

{{/* The env entries that come from the existing Secret (never a value: a secretKeyRef). */}}
{{- define "platform.secretEnv" -}}
{{- $s := .root.Values.secrets -}}
{{- $secret := required "secrets.existingSecret is required: the name of a Secret holding DATABASE_URL" $s.existingSecret -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ get $s.databaseUrlKeys .name | default $s.databaseUrlKey }}
{{- if $s.redisUrlKey }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $s.redisUrlKey }}
{{- end }}
{{- if and $s.authJwtSecretKey (eq .root.Values.config.authMode "jwt") }}
- name: AUTH_JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $s.authJwtSecretKey }}
{{- end }}
{{- if and $s.authClientSecretKey (eq .root.Values.config.authMode "jwt") }}
- name: AUTH_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $s.authClientSecretKey }}
{{- end }}
{{- if and $s.phoneHashPepperKey (has .name (splitList " " (include "platform.pepperServices" .))) }}
- name: COMPLIANCE_PHONE_HASH_PEPPER
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $s.phoneHashPepperKey }}
{{- end }}
{{- end -}}

{{/* The restricted container security context (Pod Security Standard "restricted"); not configurable on purpose. */}}
{{- define "platform.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The pod security context: non-root with the images' node user, seccomp RuntimeDefault. */}}
{{- define "platform.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .root.Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .root.Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .root.Values.podSecurityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Kafka SASL/TLS settings of the ConfigMap: the password and the CA are files mounted from Secrets
(platform.kafkaVolumes), so neither sits in the environment.
*/}}
{{- define "platform.kafkaSecurityData" -}}
{{- $c := .root.Values.config -}}
{{- $s := .root.Values.secrets -}}
{{- if $c.kafkaSaslMechanism -}}
{{- $_ := set .data "KAFKA_SASL_MECHANISM" $c.kafkaSaslMechanism -}}
{{- $_ := set .data "KAFKA_SASL_USERNAME" (required "config.kafkaSaslUsername is required with config.kafkaSaslMechanism" $c.kafkaSaslUsername) -}}
{{- $_ := required "secrets.kafkaSaslPasswordKey is required with config.kafkaSaslMechanism" $s.kafkaSaslPasswordKey -}}
{{- $_ := set .data "KAFKA_SASL_PASSWORD_FILE" "/var/run/secrets/platform/kafka-sasl/password" -}}
{{- end -}}
{{- $_ := set .data "KAFKA_TLS" (toString $c.kafkaTls) -}}
{{- if $c.kafkaTls -}}
{{- if $s.kafkaTlsCaSecret -}}{{- $_ := set .data "KAFKA_TLS_CA_FILE" "/var/run/secrets/platform/kafka-ca/ca.crt" -}}{{- end -}}
{{- if $c.kafkaTlsServername -}}{{- $_ := set .data "KAFKA_TLS_SERVERNAME" $c.kafkaTlsServername -}}{{- end -}}
{{- end -}}
{{- end -}}

{{/* Volume mounts of the Kafka password and CA files (see platform.kafkaSecurityData). */}}
{{- define "platform.kafkaVolumeMounts" -}}
{{- if .root.Values.config.kafkaSaslMechanism }}
- name: kafka-sasl
  mountPath: /var/run/secrets/platform/kafka-sasl
  readOnly: true
{{- end }}
{{- if and .root.Values.config.kafkaTls .root.Values.secrets.kafkaTlsCaSecret }}
- name: kafka-ca
  mountPath: /var/run/secrets/platform/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* Volumes of the Kafka password (a key of secrets.existingSecret) and CA (secrets.kafkaTlsCaSecret). */}}
{{- define "platform.kafkaVolumes" -}}
{{- $s := .root.Values.secrets -}}
{{- if .root.Values.config.kafkaSaslMechanism }}
- name: kafka-sasl
  secret:
    secretName: {{ $s.existingSecret }}
    defaultMode: 256 # 0400: owner read only
    items:
      - key: {{ $s.kafkaSaslPasswordKey }}
        path: password
{{- end }}
{{- if and .root.Values.config.kafkaTls $s.kafkaTlsCaSecret }}
- name: kafka-ca
  secret:
    secretName: {{ $s.kafkaTlsCaSecret }}
    defaultMode: 292 # 0444
    items:
      - key: {{ $s.kafkaTlsCaKey }}
        path: ca.crt
{{- end }}
{{- end -}}
