"""The one error intake raises: the file is refused, with a reason for a person."""


class IntakeRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
