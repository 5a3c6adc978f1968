#!/usr/bin/env python3
"""Sample new images from vaed and write them as one PNG grid, with the Python standard library only.

    python3 Tools/examples/sample_digits.py -n 64 --seed 7 -o digits.png [--model NAME] [--socket PATH]

The grid is grey or RGB as the model's images are. A table model samples rows, not images: it is refused (vaectl
--model NAME sample -n N -o rows.csv writes them).
"""

import argparse
import base64
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # Tools/, for vaeclient
from vaeclient import Client, VaedError, png_bytes  # noqa: E402


def grid(images: list[bytes], height: int, width: int, channels: int, columns: int,
         padding: int = 2) -> tuple[bytes, int, int]:
    """Lays images (rows of width × channels bytes) out in a grid with black padding, as `vaectl sample` and the
    trainer do."""
    rows = math.ceil(len(images) / columns)
    grid_width, grid_height = columns * (width + padding) + padding, rows * (height + padding) + padding
    pixels = bytearray(grid_width * grid_height * channels)
    row = width * channels
    for index, image in enumerate(images):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        for y in range(height):
            start = ((top + y) * grid_width + left) * channels
            pixels[start:start + row] = image[y * row:(y + 1) * row]
    return bytes(pixels), grid_width, grid_height


def named_model(models: list[dict], name: str | None) -> dict | None:
    """The model a request naming `name` (or none) runs on, or None when the daemon will refuse it."""
    matching = [m for m in models if name in (None, m["name"])]
    return matching[0] if len(matching) == 1 else None


def several_models(error: VaedError) -> str:
    """The daemon serves several models and none was named: say which option names one."""
    return f"several models are loaded ({', '.join(error.data.get('models', []))}); name one with --model NAME"


def main() -> int:
    parser = argparse.ArgumentParser(description="Sample images from vaed into one PNG grid.")
    parser.add_argument("-n", "--count", type=int, default=64, help="images to sample (default 64)")
    parser.add_argument("--seed", type=int, help="the same seed gives the same images")
    parser.add_argument("--model", help="needed when the daemon serves several")
    parser.add_argument("--socket", help="default: $VAED_SOCKET, else as vaed")
    parser.add_argument("-o", "--output", default="digits.png", help="the PNG grid to write (default digits.png)")
    args = parser.parse_args()
    try:
        with Client(args.socket) as vaed:
            model = named_model(vaed.models(), args.model)
            if model is not None and model.get("data", {}).get("kind") == "table":
                name = model["name"]
                print(f"sample_digits: model '{name}' is a table model and this example samples images; for its "
                      f"rows: vaectl --model {name} sample -n {args.count} -o rows.csv", file=sys.stderr)
                return 1
            # call() is the raw protocol: images come back as {"u8": base64} items, whatever numpy there is. An
            # unknown or missing model name is the daemon's to refuse.
            result = vaed.call("sample", model=args.model, count=args.count, seed=args.seed, output="u8")
    except VaedError as error:
        print(f"sample_digits: {several_models(error) if error.type == 'model_required' else error}", file=sys.stderr)
        return 1
    except ConnectionError as error:
        print(f"sample_digits: {error}", file=sys.stderr)
        return 1
    images = [base64.b64decode(item["u8"]) for item in result["images"]]
    # The request succeeded, so it named a model or the daemon serves one: `model` is it.
    height, width, channels = model["image"]["height"], model["image"]["width"], model["image"].get("channels", 1)
    pixels, grid_width, grid_height = grid(images, height, width, channels, math.ceil(math.sqrt(len(images))))
    Path(args.output).write_bytes(png_bytes(grid_width, grid_height, pixels, channels))
    colour = "" if channels == 1 else " RGB"
    print(f"wrote {args.output}: {len(images)}{colour} images of {height}x{width}, seed {result['seed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
