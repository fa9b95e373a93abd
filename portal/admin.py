from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import AuditEvent, Board, Membership, Person, School, User


class ReadOnlyAdminMixin:
    """Records that only the services write (with their checks, timeline events and audit): the admin shows
    them, and a correction goes through the portal's pages, never past them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _login_through_the_portal(request, extra_context=None):
    """The admin has no login form of its own: the portal's asks for the second factor, counts failed attempts
    and offers the school's own account, and a password typed at /beheer/ would pass all of that by."""
    return redirect_to_login(request.GET.get("next") or request.get_full_path().replace("login/", ""),
                             login_url="account_login")


admin.site.login = _login_through_the_portal


def _audit_membership(request, membership, action):
    audit_record(actor=request.user, action=action, obj=membership, board=membership.board,
                 user=membership.user_id, role=membership.role, school=membership.school_id,
                 starts_on=str(membership.starts_on or ""), ends_on=str(membership.ends_on or ""))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]
    fk_name = "user"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        flags = {"is_active", "is_staff", "is_superuser", "groups", "user_permissions"} & set(form.changed_data)
        if flags:
            audit_record(actor=request.user, action="permissions.user", obj=obj, changed=sorted(flags),
                         is_active=obj.is_active, is_staff=obj.is_staff, is_superuser=obj.is_superuser)

    def save_formset(self, request, form, formset, change):
        """Role changes made in the user's membership rows are permission changes: audit each one."""
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            _audit_membership(request, membership, "permissions.membership_delete")
            membership.delete()
        for membership in instances:
            membership.save()
            _audit_membership(request, membership, "permissions.membership_change")
        formset.save_m2m()


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "police_on_any_suspicion"]
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "board", "brin"]
    list_filter = ["board"]
    search_fields = ["name", "brin"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "school", "board", "starts_on", "ends_on"]
    list_filter = ["role", "board"]
    search_fields = ["user__email", "user__last_name"]
    autocomplete_fields = ["user", "school"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_membership(request, obj, "permissions.membership_change")

    def delete_model(self, request, obj):
        _audit_membership(request, obj, "permissions.membership_delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            _audit_membership(request, membership, "permissions.membership_delete")
        super().delete_queryset(request, queryset)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "kind", "class_name", "school"]
    list_filter = ["kind", "school"]
    search_fields = ["last_name", "first_name", "class_name"]
    autocomplete_fields = ["guardians", "mentor", "user"]
    list_select_related = ["school"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit trail cannot be edited or deleted in the app."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["object_id", "actor__email"]
    list_select_related = ["actor"]
