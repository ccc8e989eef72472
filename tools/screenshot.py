#!/usr/bin/env python3
"""Turn a tmux pane capture of the running app into a PNG (how assets/screenshot.png is made).

    tmux capture-pane -e -p -t SESSION > pane.ansi
    python3 tools/screenshot.py pane.ansi COLS ROWS assets/screenshot.png

Needs `pip install pyte pillow` and the DejaVu Sans Mono font. The picture is the terminal's
own cells, colours included: nothing is drawn by hand.
"""

import sys

import pyte
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
BG = (24, 26, 33)
FG = (214, 219, 229)
PALETTE = {
    "black": (40, 42, 54), "red": (237, 106, 94), "green": (112, 200, 120),
    "brown": (230, 192, 92), "yellow": (230, 192, 92), "blue": (97, 159, 236),
    "magenta": (198, 120, 221), "cyan": (86, 196, 206), "white": (214, 219, 229),
    "brightblack": (110, 116, 130), "brightred": (255, 128, 118),
    "brightgreen": (140, 225, 150), "brightyellow": (250, 215, 120),
    "brightblue": (130, 185, 255), "brightmagenta": (220, 150, 240),
    "brightcyan": (120, 220, 230), "brightwhite": (250, 250, 250),
}


def colour(name, default):
    if name == "default":
        return default
    if name in PALETTE:
        return PALETTE[name]
    if len(name) == 6:
        return tuple(int(name[i:i + 2], 16) for i in (0, 2, 4))
    return default


def render(text, cols, rows, out):
    screen = pyte.Screen(cols, rows)
    # capture-pane ends every line with a newline; the last one would scroll the screen.
    pyte.Stream(screen).feed(text.rstrip("\n").replace("\n", "\r\n"))
    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    ascent, descent = regular.getmetrics()
    # The font's own line height, so box-drawing lines meet from one row to the next.
    cw, ch = regular.getlength("M"), ascent + descent
    pad = 12
    img = Image.new("RGB", (int(cw * cols) + 2 * pad, ch * rows + 2 * pad), BG)
    draw = ImageDraw.Draw(img)
    for y in range(rows):
        line = screen.buffer[y]
        for x in range(cols):
            c = line[x]
            fg, bg = colour(c.fg, FG), colour(c.bg, BG)
            if c.reverse:
                fg, bg = (bg if c.bg != "default" else BG), (fg if c.fg != "default" else FG)
            px, py = pad + x * cw, pad + y * ch
            if bg != BG:
                draw.rectangle([px, py, px + cw, py + ch], fill=bg)
            if c.data.strip():
                if c.bold and c.fg in PALETTE and "bright" + c.fg in PALETTE:
                    fg = PALETTE["bright" + c.fg]
                draw.text((px, py), c.data, font=bold if c.bold else regular, fill=fg)
    img.save(out)


if __name__ == "__main__":
    path, cols, rows, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(path, encoding="utf-8") as f:
        render(f.read(), cols, rows, out)
