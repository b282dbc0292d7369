"""Build the static font instances shipped in letters/assets/fonts.

Source: the pinned PyPI packages fontpkg-noto-serif / fontpkg-noto-sans
(variable TTFs, OFL-1.1).  We instantiate static Regular/Bold/Italic faces
with fontTools.varLib.instancer, because PDF viewers ignore font variations:
embedding a variable font would render the default (regular) outlines even
where bold was requested.

Run: python tools/build_letter_fonts.py   (only when upgrading the fonts; needs
`pip install fontpkg==0.2.2 fontpkg-noto-serif==2.15 fontpkg-noto-sans==2.15`)
"""

import pathlib
import shutil

import fontpkg_noto_sans
import fontpkg_noto_serif
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

OUT = (
    pathlib.Path(__file__).resolve().parent.parent
    / "petition_service"
    / "letters"
    / "assets"
    / "fonts"
)

JOBS = [
    (fontpkg_noto_serif, "NotoSerif[wdth,wght].ttf", "NotoSerif-Regular.ttf", 400, "Regular"),
    (fontpkg_noto_serif, "NotoSerif[wdth,wght].ttf", "NotoSerif-Bold.ttf", 700, "Bold"),
    (fontpkg_noto_serif, "NotoSerif-Italic[wdth,wght].ttf", "NotoSerif-Italic.ttf", 400, "Italic"),
    (fontpkg_noto_sans, "NotoSans[wdth,wght].ttf", "NotoSans-Regular.ttf", 400, "Regular"),
    (fontpkg_noto_sans, "NotoSans[wdth,wght].ttf", "NotoSans-Bold.ttf", 700, "Bold"),
]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for pkg, src, dst, wght, style in JOBS:
        srcpath = pathlib.Path(pkg.__file__).parent / "files" / src
        font = TTFont(srcpath)
        static = instancer.instantiateVariableFont(
            font, {"wght": wght, "wdth": 100}, updateFontNames=False
        )
        # Give each instance a distinct PostScript name so PDF font names are clear.
        name = static["name"]
        family = name.getDebugName(1)
        ps = f"{family.replace(' ', '')}-{style}"
        for rec in list(name.names):
            if rec.nameID in (2, 17):
                rec.string = style
            elif rec.nameID in (4,):
                rec.string = f"{family} {style}"
            elif rec.nameID in (6,):
                rec.string = ps
            elif rec.nameID in (3,):
                rec.string = f"{ps};static"
            elif rec.nameID in (16, 25):
                name.removeNames(nameID=rec.nameID)
        os2, head = static["OS/2"], static["head"]
        os2.usWeightClass = wght
        fs = os2.fsSelection & ~(1 | 32 | 64)
        mac = head.macStyle & ~3
        if style == "Bold":
            fs |= 32
            mac |= 1
        elif style == "Italic":
            fs |= 1
            mac |= 2
        else:
            fs |= 64
        os2.fsSelection = fs
        head.macStyle = mac
        static.save(OUT / dst)
        print("wrote", dst, (OUT / dst).stat().st_size)
    shutil.copy(pathlib.Path(fontpkg_noto_serif.__file__).parent / "LICENSE", OUT / "OFL.txt")


if __name__ == "__main__":
    main()
