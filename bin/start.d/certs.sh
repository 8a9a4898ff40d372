# Sourced by bin/start after load_demo: the local test CA is the demo's issuing CA (the trust store
# of the hub and the workers too); Renkei issues every verified demo office its signing certificate
# the same way it does for a real office the operator approves.
VAR="${RENKEI_VAR_DIR:-$(pwd)/var}"
export RENKEI_TRUSTED_CA_FILE="${RENKEI_TRUSTED_CA_FILE:-$VAR/test-ca/ca.pem}"
export RENKEI_ISSUING_CA_CERT_FILE="${RENKEI_ISSUING_CA_CERT_FILE:-$VAR/test-ca/ca.pem}"
export RENKEI_ISSUING_CA_KEY_FILE="${RENKEI_ISSUING_CA_KEY_FILE:-$VAR/test-ca/ca-key.pem}"
export RENKEI_ISSUING_CA_KEY_PASSPHRASE="${RENKEI_ISSUING_CA_KEY_PASSPHRASE:-renkei-demo-2026}"
$PY manage.py make_test_ca --ca-only --dir "$(dirname "$RENKEI_ISSUING_CA_CERT_FILE")" >/dev/null
$PY manage.py issue_certificates >/dev/null
export RENKEI_HUB_URL="${RENKEI_HUB_URL:-http://127.0.0.1:${HUB_PORT:-8100}}"
