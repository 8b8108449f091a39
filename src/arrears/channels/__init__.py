"""Channel delivery: send what the plan says, exactly once, and record what happened.

`arrears send` takes a run folder's actions whose window is open, asks the compliance guard
again at send time, renders the words from the template library, sends them through the
channel's provider and appends each attempt to the data folder's contact ledger (docs/channels.md).

The pure parts (which actions are open, the send-time verdicts, the opt-out words, pacing) take
frames, clocks and settings as arguments; the state file, the ledger files and the providers
sit at the edges (`state`, `ledger`, `contacts`, `providers`).
"""
