"""The book's account endpoints: dj-rest-auth for log in/out and passwords, allauth for
registration and email verification ("Django for APIs", part III)."""
