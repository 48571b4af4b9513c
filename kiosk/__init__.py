"""hallq's self-service kiosk: take a number, check in an appointment, read service guides,
look up a company's credit record.

``hallq.kiosk.model`` holds the view-models (no Kivy); ``hallq.kiosk.ui`` the Kivy screens;
``hallq kiosk`` (cli.py) starts it.
"""
