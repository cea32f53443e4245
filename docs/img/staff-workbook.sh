#!/bin/sh
# Regenerates docs/img/staff-workbook.png: the staff workbook made from this repository's
# sample records (records/), printed by LibreOffice as the workbook is set up (closed
# years folded), first page, cropped to the used area.
# Needs: shinchoku (in a venv), LibreOffice (soffice), poppler-utils (pdftoppm).
set -e
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
shinchoku workbook "$tmp/staff-workbook.xlsx" --repo "$repo"
soffice --headless "-env:UserInstallation=file://$tmp/lo" --convert-to pdf --outdir "$tmp" "$tmp/staff-workbook.xlsx" >/dev/null
# A3 landscape at 110 dpi is 1819 x 1286 px; the sheet's printed area sits in this box
pdftoppm -png -r 110 -f 1 -l 1 -x 30 -y 100 -W 1735 -H 880 -singlefile "$tmp/staff-workbook.pdf" "$here/staff-workbook"
rm -rf "$tmp"
