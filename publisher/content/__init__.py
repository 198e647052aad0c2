"""Content: reading an organisation's ``content/`` folder into the model, every problem kept.

``yamlsource`` parses YAML with line numbers, ``model`` holds the pydantic models, ``config``
reads the organisation, services, audiences and people files, ``load`` the messages, ``roles``
answers who holds which role, and ``urls`` gives every permalink (from names, never titles).
"""
