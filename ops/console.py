"""What the operator reads: one ``==>`` line per step."""


def say(message):
    print(f"==> {message}", flush=True)
