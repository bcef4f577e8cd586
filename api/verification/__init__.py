"""Public verification of a visit code by the enterprise's phone (the /V/ page and its JSON twin),
key sets and revocations."""
