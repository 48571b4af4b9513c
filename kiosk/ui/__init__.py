"""The kiosk's Kivy screens: thin views over hallq.kiosk.model.

Importing this package imports no Kivy; ``boot.configure()`` must run before anything else
touches Kivy (window size, full screen, Escape), then ``app.run()`` builds the app.
"""
