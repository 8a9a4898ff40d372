# Sourced by bin/start after load_demo: a local test CA (the trust store of the hub and the
# workers) and a signing certificate for every demo office that has none yet.
$PY manage.py make_test_ca --install --missing >/dev/null
export RENKEI_TRUSTED_CA_FILE="${RENKEI_TRUSTED_CA_FILE:-${RENKEI_VAR_DIR:-$(pwd)/var}/test-ca/ca.pem}"
export RENKEI_HUB_URL="${RENKEI_HUB_URL:-http://127.0.0.1:${HUB_PORT:-8100}}"
