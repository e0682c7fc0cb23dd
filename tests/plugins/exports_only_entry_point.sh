#!/usr/bin/env bash
# A plugin's dynamic symbol table must define exactly one symbol: the ABI entry point.
set -u
for plugin in "$@"; do
  defined=$(nm -D --defined-only "$plugin" | awk '{print $3}' | grep -v '^$' | sort -u)
  if [ "$defined" != "finp2p_ledger_plugin_init" ]; then
    echo "FAIL: $plugin exports more than the entry point:"
    echo "$defined" | head -20
    exit 1
  fi
  echo "ok: $plugin exports only finp2p_ledger_plugin_init"
done
