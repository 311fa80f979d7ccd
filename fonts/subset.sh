#!/bin/sh
# Regenerate the subset Noto fonts in this folder from Debian's fonts-noto-core package.
#
# Needs: the Debian package fonts-noto-core (apt-get install fonts-noto-core) and
# fontTools with brotli (the project venv has both: fonttools==4.68.0, brotli).
# This script is NOT run by the build; the generated files are committed.
#
# Usage:  fonts/subset.sh            (from the project root)
#         NOTO_DIR=/other/dir PYFTSUBSET=/path/to/pyftsubset fonts/subset.sh
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
NOTO_DIR=${NOTO_DIR:-/usr/share/fonts/truetype/noto}
if [ -z "${PYFTSUBSET:-}" ]; then
    if [ -x "$HERE/../.venv/bin/pyftsubset" ]; then
        PYFTSUBSET="$HERE/../.venv/bin/pyftsubset"
    else
        PYFTSUBSET=pyftsubset
    fi
fi

# Noto Sans (Latin: English, Spanish). Basic Latin, Latin-1 (incl. U+00AD soft hyphen and
# U+00B0 degree), Latin Extended-A, combining diacritics (for NFD input), General Punctuation
# (U+2011 non-breaking hyphen, dashes, quotes, U+2022 bullet, U+2026 ellipsis), super/subscripts,
# currency, trade mark, minus, dotted circle. Arrows U+2190-2193, ballot boxes U+2610-2612 and
# check mark U+2713 are requested too, but Noto Sans 2.004 has none of them, so pyftsubset
# silently leaves them out.
LATIN="U+0020-007E,U+00A0-00FF,U+0100-017F,U+0300-036F,U+2000-206F,U+2070-209F,U+20A0-20BF"
LATIN="$LATIN,U+2122,U+2190-2193,U+2212,U+25CC,U+2610-2612,U+2713"

# Noto Sans Bengali: the Bengali block, ZWNJ/ZWJ, dandas (U+0964-0965, in the Devanagari block),
# dotted circle, plus the ASCII digits/punctuation and the few general punctuation marks and
# the rupee sign that the font itself carries.
BENGALI="U+0980-09FF,U+0964-0965,U+200B-200D,U+25CC,U+0020-007E,U+00A0,U+00AD,U+00D7,U+00F7"
BENGALI="$BENGALI,U+2010-2014,U+2018-201D,U+2026,U+20B9"

# Noto Sans Arabic: Arabic, Arabic Supplement, presentation forms A and B, ZWNJ..RLM, dotted
# circle, plus the space, digits, punctuation and guillemets the font itself carries.
ARABIC="U+0600-06FF,U+0750-077F,U+FB50-FDFF,U+FE70-FEFF,U+200B-200F,U+25CC,U+0020-007E"
ARABIC="$ARABIC,U+00A0,U+00AB,U+00BB,U+2010-2011,U+204F"

subset() {  # $1 = font base name, $2 = unicode ranges
    for flavor in ttf woff2; do
        if [ "$flavor" = ttf ]; then flag=""; else flag="--flavor=woff2"; fi
        # $flag is deliberately unquoted: it is empty for the .ttf output.
        # shellcheck disable=SC2086
        "$PYFTSUBSET" "$NOTO_DIR/$1.ttf" \
            --unicodes="$2" \
            --layout-features='*' \
            --no-hinting \
            --no-glyph-names \
            --name-IDs='*' \
            --notdef-outline \
            $flag \
            --output-file="$HERE/$1.$flavor"
    done
}

subset NotoSans-Regular "$LATIN"
subset NotoSans-Bold "$LATIN"
subset NotoSans-Italic "$LATIN"
subset NotoSansBengali-Regular "$BENGALI"
subset NotoSansBengali-Bold "$BENGALI"
subset NotoSansArabic-Regular "$ARABIC"
subset NotoSansArabic-Bold "$ARABIC"

ls -l "$HERE"
