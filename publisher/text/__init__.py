"""Text: how a message is written out as text, shared by every output.

``markup`` turns Markdown into allowlisted HTML (and plain text), ``headers`` makes the email
headers (one clean line each) and checks them, ``snippets`` the SMS and social posts.
"""
