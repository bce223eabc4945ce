from django.urls import path

from . import views

urlpatterns = [
    path("", views.visitors, name="gate_list"),
    path("visitors/new/", views.visitor_new, name="gate_visitor_new"),
    path("visitors/<int:visitor_id>/out/", views.visitor_out, name="gate_visitor_out"),
    path("exits/", views.exits, name="gate_exits"),
    path("exits/new/", views.exit_new, name="gate_exit_new"),
    path("leaves/", views.leaves, name="gate_leaves"),
    path("leaves/new/", views.leave_new, name="gate_leave_new"),
    path("leaves/<int:pk>/return/", views.leave_return, name="gate_leave_return"),
    path("items/", views.items, name="gate_items"),
    path("items/new/", views.item_new, name="gate_item_new"),
    path("items/<int:item_id>/photo/", views.item_photo, name="gate_item_photo"),
    path("export/", views.export, name="gate_export"),
]
