"""Draw petition_service/static/favicon.ico: the same mark as favicon.svg (a white tick on
the accent red), at 16, 32 and 48 pixels. Run it after changing the SVG's design."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = (179, 38, 30, 255)
SCALE = 8  # draw large, then shrink: smooth edges without an SVG renderer
OUT = Path(__file__).resolve().parent.parent / "petition_service" / "static" / "favicon.ico"


def draw(size: int = 64) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=12 * SCALE, fill=ACCENT)
    points = [(16 * SCALE, 34 * SCALE), (27 * SCALE, 45 * SCALE), (48 * SCALE, 20 * SCALE)]
    pen.line(points, fill="white", width=8 * SCALE, joint="curve")
    for x, y in (points[0], points[-1]):  # round line caps
        r = 4 * SCALE
        pen.ellipse((x - r, y - r, x + r, y + r), fill="white")
    return image.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    draw().save(OUT, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    print(OUT)
