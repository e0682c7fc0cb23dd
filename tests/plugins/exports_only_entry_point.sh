#!/usr/bin/env bash
# A plugin's dynamic symbol table must define exactly the ABI's two symbols: the entry point and
# the ABI version export.
set -u
for plugin in "$@"; do
  defined=$(nm -D --defined-only "$plugin" | awk '{print $3}' | grep -v '^$' | sort -u)
  if [ "$defined" != "$(printf 'finp2p_ledger_plugin_abi_version\nfinp2p_ledger_plugin_init')" ]; then
    echo "FAIL: $plugin exports more than the entry point:"
    echo "$defined" | head -20
    exit 1
  fi
  echo "ok: $plugin exports only finp2p_ledger_plugin_init and finp2p_ledger_plugin_abi_version"
done
