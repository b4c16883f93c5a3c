app_name = "indemnisation"
urlpatterns: list[object] = []
