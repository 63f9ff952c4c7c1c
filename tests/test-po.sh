#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-po.sh SRCDIR LANG: po/LANG.po passes msgfmt --check (format strings,
# header, plural forms, one “_” mnemonic wherever the English has one),
# has no fuzzy or untranslated message, and is
# complete for the sources as they are now: the strings in POTFILES.in are
# extracted afresh, merged into a copy of the .po, and every one of them
# must already be translated. When this fails after a UI change, run
# `ninja -C <build> tessera-update-po` and translate what it marks.
set -euo pipefail
export LC_ALL=C.UTF-8

srcdir=${1:?usage: $0 SRCDIR LANG}
lang=${2:?usage: $0 SRCDIR LANG}
po=$srcdir/po/$lang.po
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -f "$po" ] || { echo "FAIL: $po is missing but $lang is in po/LINGUAS"; exit 1; }

# Counts from "N translated messages, N fuzzy translations, N untranslated messages."
count() {
  sed -n "s/.*\\b\\([0-9][0-9]*\\) $1.*/\\1/p" <<< "$2" | head -n1
}

check_stats() {
  local what=$1 file=$2 stats translated fuzzy untranslated
  stats=$(msgfmt --check --check-accelerators=_ --statistics -o "$tmp/out.mo" "$file" 2>&1) || {
    printf '%s\n' "$stats"; echo "FAIL: msgfmt --check rejected $what"; exit 1; }
  translated=$(count 'translated message' "$stats")
  fuzzy=$(count 'fuzzy translation' "$stats")
  untranslated=$(count 'untranslated message' "$stats")
  echo "$what: ${translated:-0} translated, ${fuzzy:-0} fuzzy, ${untranslated:-0} untranslated"
  if [ "${fuzzy:-0}" -ne 0 ] || [ "${untranslated:-0}" -ne 0 ] || [ "${translated:-0}" -eq 0 ]; then
    msgattrib --no-wrap --only-fuzzy --no-obsolete "$file" 2>/dev/null | grep -v '^msgid ""$' | grep -E '^msg(ctxt|id) ' | sed 's/^/  fuzzy: /' || true
    msgattrib --no-wrap --untranslated --no-obsolete "$file" 2>/dev/null | grep -v '^msgid ""$' | grep -E '^msg(ctxt|id) ' | sed 's/^/  untranslated: /' || true
    echo "FAIL: $what is not complete"
    exit 1
  fi
}

grep -Eq "^\"Plural-Forms: nplurals=[0-9]+; plural=" "$po" || { echo "FAIL: $po has no Plural-Forms header"; exit 1; }
check_stats "$po" "$po"

# The same keywords as meson's i18n.gettext(preset: 'glib').
(cd "$srcdir" && xgettext --package-name=tessera --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_printerr:1:c-format \
  --flag=g_print:1:c-format --flag=g_printf:1:c-format --flag=g_fprintf:2:c-format \
  --files-from=po/POTFILES.in -o "$tmp/tessera.pot")

msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$po" "$tmp/tessera.pot"
check_stats "$lang.po against the current sources" "$tmp/merged.po"
