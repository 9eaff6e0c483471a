from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.signals import apply_chosen_language

        user_logged_in.connect(apply_chosen_language, dispatch_uid="accounts.chosen_language")
