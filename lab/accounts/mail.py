"""The console email backend the book uses, made readable by a person."""

from django.core.mail.backends import console


class ReadableConsoleBackend(console.EmailBackend):
    """Django's console backend, printing the plain-text body as written.

    The stock backend prints the message as sent: quoted-printable, which breaks the
    long verification and reset links over several lines ending in ``=``. Here the
    link can be copied from the terminal as is.
    """

    def write_message(self, message) -> None:
        """Write the addressing headers, then the text body, then a rule."""
        self.stream.write(
            f"Subject: {message.subject}\nFrom: {message.from_email}\n"
            f"To: {', '.join(message.to)}\n\n{message.body}\n{'-' * 79}\n"
        )
