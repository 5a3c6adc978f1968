#!/usr/bin/env python3
"""Denoise every PNG in a folder through vaed, writing the results under the same names in another folder.

    python3 Tools/examples/denoise_folder.py noisy/ clean/ [--model NAME] [--socket PATH]

Standard library only: the PNG files go to the daemon as they are, and come back as PNG files.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # Tools/, for vaeclient
from vaeclient import Client, VaedError, png_image  # noqa: E402


def several_models(error: VaedError) -> str:
    """The daemon serves several models and none was named: say which option names one."""
    return f"several models are loaded ({', '.join(error.data.get('models', []))}); name one with --model NAME"


def main() -> int:
    parser = argparse.ArgumentParser(description="Denoise every PNG in a folder through vaed.")
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--model", help="needed when the daemon serves several")
    parser.add_argument("--socket", help="default: $VAED_SOCKET, else as vaed")
    args = parser.parse_args()
    files = sorted(args.input.glob("*.png"))
    if not files:
        print(f"denoise_folder: no .png files in {args.input}", file=sys.stderr)
        return 2
    args.output.mkdir(parents=True, exist_ok=True)
    try:
        with Client(args.socket, model=args.model) as vaed:
            batch = vaed.hello()["limits"]["max_batch"]
            for start in range(0, len(files), batch):
                chunk = files[start:start + batch]
                cleaned = vaed.denoise([png_image(path) for path in chunk], output="png")
                for path, png in zip(chunk, cleaned):
                    (args.output / path.name).write_bytes(png)
    except VaedError as error:
        if error.type == "model_required":
            print(f"denoise_folder: {several_models(error)}", file=sys.stderr)
            return 1
        # The daemon names the problem: a file of the wrong size, an unknown model...
        print(f"denoise_folder: {error} (code {error.code})", file=sys.stderr)
        return 1
    except ConnectionError as error:
        print(f"denoise_folder: {error}", file=sys.stderr)
        return 3
    print(f"denoised {len(files)} images into {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
