"""What a benchmark ran on: the CPU model and the GEMM kernels, printed beside every figure."""
import subprocess


def cpu_model():
    """'AMD EPYC (family 26, model 2)' from /proc/cpuinfo, or 'unknown CPU'."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        return "unknown CPU"
    name = fields.get("model name", "unknown CPU")
    return f"{name} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"


def gemm_kernels(vae_binary):
    """The GEMM line of `vae --version`, e.g. 'oneDNN 2.6.3, avx512_core_bf16 kernels (best for this CPU)'; when
    the kernels are weaker than the CPU allows, its two lines joined."""
    lines = subprocess.run([vae_binary, "--version"], capture_output=True, text=True).stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("GEMM: "):
            rest = [more.strip() for more in lines[i + 1:] if more.startswith("      ")]
            return " ".join([line[len("GEMM: "):]] + rest)
    return "unknown"
