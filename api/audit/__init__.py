"""The tamper-evident audit trail (全过程记录): the hash chain, verification-log digests, signed checkpoints."""
