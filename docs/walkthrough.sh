#!/usr/bin/env bash
# The whole loop of a visit against a running server with the SAMPLE district (make run):
# file → approve → get code → verify → scan in → check out → rate.  Needs curl and jq.
set -euo pipefail
S=${S:-http://127.0.0.1:8000}
login() { curl -sf -X POST "$S/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"$1\",\"password\":\"ruqi-demo\"}" | jq -r .access_token; }
PLANNER=$(login planner-u-d21); APPROVER=$(login approver-u-d21)
INSP1=$(login inspector-1); INSP2=$(login inspector-2); ENT=$(login enterprise-1)
auth() { echo "Authorization: Bearer $1"; }

USCC=$(curl -sf -H "$(auth "$ENT")" "$S/api/v1/auth/me" | jq -r .uscc)
I1=$(curl -sf -H "$(auth "$INSP1")" "$S/api/v1/auth/me" | jq -r .inspector_id)
I2=$(curl -sf -H "$(auth "$INSP2")" "$S/api/v1/auth/me" | jq -r .inspector_id)
ITEM=$(curl -sf -H "$(auth "$PLANNER")" "$S/api/v1/items?unit_code=U-D21&category=random_check&status=published&limit=1" \
  | jq -r '.items[0].code')
START=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)  # starting now: filing allows 5 minutes of clock skew
END=$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)

echo "1. file (备案) a visit to $USCC for item $ITEM"
VISIT=$(curl -sf -X POST "$S/api/v1/visits" -H "$(auth "$PLANNER")" -H 'content-type: application/json' -d "{
  \"uscc\":\"$USCC\",\"unit_codes\":[\"U-D21\"],\"inspector_ids\":[$I1,$I2],\"item_codes\":[\"$ITEM\"],
  \"window_start\":\"$START\",\"window_end\":\"$END\",\"origin\":\"triggered\",\"trigger_type\":\"complaint\",
  \"trigger_ref\":\"12345\",\"trigger_reason\":\"群众投诉：油烟扰民（样例）\"}" | jq -r .id)
echo "   visit $VISIT filed"

echo "2. approve (unit head) — this issues the code"
curl -sf -X POST "$S/api/v1/visits/$VISIT/approve" -H "$(auth "$APPROVER")" | jq -c '{status, approved_by}'

echo "3. the inspector's phone gets the code (PNG to show, URL inside)"
curl -sf "$S/api/v1/visits/$VISIT/code.png" -H "$(auth "$INSP1")" -o "visit-$VISIT.png"
CODE=$(curl -sf "$S/api/v1/visits/$VISIT/code" -H "$(auth "$INSP1")")
echo "$CODE" | jq -c '{url, qr_version, token_bytes}'
TOKEN=$(echo "$CODE" | jq -r .token)

echo "4. the enterprise scans it: the page is $S/V/$TOKEN ; its JSON twin says"
curl -sf "$S/api/v1/public/verify/$TOKEN" | jq -c '{outcome, headline, inspectors: [.visit.inspectors[].cert_no]}'

echo "5. the inspector scans the enterprise code (企业码) to check in"
ECODE=$(curl -sf "$S/api/v1/enterprises/$USCC/code" -H "$(auth "$ENT")" | jq -r .url)
POS=$(curl -sf "$S/api/v1/enterprises/$USCC" -H "$(auth "$ENT")" | jq -c '{latitude, longitude}')  # at the premises
curl -sf -X POST "$S/api/v1/scans" -H "$(auth "$INSP1")" -H 'content-type: application/json' \
  -d "$(echo "$POS" | jq -c --arg c "$ECODE" --arg e "walk-$VISIT-in" '. + {content: $c, client_event_id: $e, accuracy_m: 10}')" \
  | jq -c '{kind, visit_status, distance_m, far_from_enterprise}'

echo "6. check out with the result"
curl -sf -X POST "$S/api/v1/visits/$VISIT/checkout" -H "$(auth "$INSP1")" -H 'content-type: application/json' \
  -d "{\"client_event_id\":\"walk-$VISIT-out\",\"result\":\"no_issue\",\"findings\":\"未发现问题\"}" | jq -c '{status, result}'

echo "7. the enterprise rates the visit anonymously, logged in with its own account (the code alone is not enough)"
curl -sf -X POST "$S/api/v1/public/visits/$TOKEN/rating" -H "$(auth "$ENT")" -H 'content-type: application/json' \
  -d "{\"score\":5,\"comment\":\"规范、高效\",\"client_event_id\":\"walk-$VISIT-rate\"}" | jq -c '{visit_id, score}'

echo "8. an unfiled scan: inspector-5 (fire brigade) has no filed visit here → 403 unfiled_visit"
INSP5=$(login inspector-5)
curl -s -X POST "$S/api/v1/scans" -H "$(auth "$INSP5")" -H 'content-type: application/json' \
  -d "{\"content\":\"$ECODE\",\"client_event_id\":\"walk-$VISIT-x\"}" | jq -c '{status, code}'
