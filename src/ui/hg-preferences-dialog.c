/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hg-preferences-dialog.h"

struct _HgPreferencesDialog
{
  GtkWindow             parent_instance;

  GSettings            *settings;
  GtkFileChooserNative *chooser;   /* while "Add Folder" is open */

  /* template */
  GtkListBox           *bases_list;
  GtkLabel             *bases_empty_label;
  GtkSwitch            *default_base_switch;
  GtkLabel             *default_base_label;
  GtkComboBoxText      *console_combo;
  GtkComboBoxText      *accel_combo;
  GtkSpinButton        *memory_spin;
  GtkSwitch            *confirm_force_off_switch;
  GtkSwitch            *confirm_delete_switch;
  GtkSwitch            *notify_stop_switch;
  GtkSwitch            *notify_crash_switch;
  GtkSwitch            *scale_display_switch;
  GtkSpinButton        *scrollback_spin;
};

G_DEFINE_FINAL_TYPE (HgPreferencesDialog, hg_preferences_dialog, GTK_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- base directories ---------------------------------------------------- */

static void
remove_base (HgPreferencesDialog *self,
             const char          *path)
{
  g_auto(GStrv) bases = g_settings_get_strv (self->settings, "base-directories");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;

  for (guint i = 0; bases[i] != NULL; i++)
    if (g_strcmp0 (bases[i], path) != 0)
      g_strv_builder_add (builder, bases[i]);
  result = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "base-directories", (const char * const *) result);
}

/* A row's remove button: the dialog (it holds the row) and the base */
typedef struct {
  HgPreferencesDialog *dialog;
  char                *path;
} RemoveBase;

static void
remove_base_free (gpointer  data,
                  GClosure *closure)
{
  RemoveBase *remove = data;

  g_free (remove->path);
  g_free (remove);
}

static void
on_remove_clicked (GtkButton  *button,
                   RemoveBase *remove)
{
  remove_base (remove->dialog, remove->path);
}

static GtkWidget *
create_base_row (HgPreferencesDialog *self,
                 const char          *path)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  g_autofree char *display = g_filename_display_name (path);
  GtkWidget *label = gtk_label_new (display);
  GtkWidget *button = gtk_button_new_from_icon_name ("list-remove-symbolic", GTK_ICON_SIZE_BUTTON);
  RemoveBase *remove = g_new0 (RemoveBase, 1);
  g_autofree char *tooltip = g_strdup_printf (_("Stop showing the VMs under %s"), display);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_tooltip_text (label, display);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_style_context_add_class (gtk_widget_get_style_context (button), "flat");
  remove->dialog = self;
  remove->path = g_strdup (path);
  g_signal_connect_data (button, "clicked", G_CALLBACK (on_remove_clicked), remove,
                         remove_base_free, 0);

  gtk_container_add (GTK_CONTAINER (box), label);
  gtk_container_add (GTK_CONTAINER (box), button);
  gtk_container_add (GTK_CONTAINER (row), box);
  gtk_widget_show_all (row);
  return row;
}

static void
update_bases (HgPreferencesDialog *self)
{
  g_auto(GStrv) bases = g_settings_get_strv (self->settings, "base-directories");
  g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (self->bases_list));

  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (GTK_WIDGET (l->data));
  for (guint i = 0; bases[i] != NULL; i++)
    gtk_container_add (GTK_CONTAINER (self->bases_list), create_base_row (self, bases[i]));
  gtk_widget_set_visible (GTK_WIDGET (self->bases_empty_label), bases[0] == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->bases_list), bases[0] != NULL);
}

static void
on_bases_changed (GSettings           *settings,
                  const char          *key,
                  HgPreferencesDialog *self)
{
  update_bases (self);
}

static void
on_chooser_response (GtkNativeDialog     *chooser,
                     int                  response,
                     HgPreferencesDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_auto(GStrv) bases = g_settings_get_strv (self->settings, "base-directories");

      if (path != NULL && !g_strv_contains ((const char * const *) bases, path))
        {
          g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
          g_auto(GStrv) result = NULL;

          g_strv_builder_addv (builder, (const char **) bases);
          g_strv_builder_add (builder, path);
          result = g_strv_builder_end (builder);
          g_settings_set_strv (self->settings, "base-directories", (const char * const *) result);
        }
    }
  g_clear_object (&self->chooser);
}

static void
on_add_base_clicked (GtkButton           *button,
                     HgPreferencesDialog *self)
{
  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Add a Folder of VMs"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Add"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- construction --------------------------------------------------------- */

static void
bind_settings (HgPreferencesDialog *self)
{
  static const struct { const char *key; gsize offset; const char *property; } bindings[] = {
    { "include-default-base", G_STRUCT_OFFSET (HgPreferencesDialog, default_base_switch), "active" },
    { "default-console", G_STRUCT_OFFSET (HgPreferencesDialog, console_combo), "active-id" },
    { "default-accelerator", G_STRUCT_OFFSET (HgPreferencesDialog, accel_combo), "active-id" },
    { "default-memory", G_STRUCT_OFFSET (HgPreferencesDialog, memory_spin), "value" },
    { "confirm-force-off", G_STRUCT_OFFSET (HgPreferencesDialog, confirm_force_off_switch), "active" },
    { "confirm-delete", G_STRUCT_OFFSET (HgPreferencesDialog, confirm_delete_switch), "active" },
    { "notify-on-stop", G_STRUCT_OFFSET (HgPreferencesDialog, notify_stop_switch), "active" },
    { "notify-on-crash", G_STRUCT_OFFSET (HgPreferencesDialog, notify_crash_switch), "active" },
    { "scale-display", G_STRUCT_OFFSET (HgPreferencesDialog, scale_display_switch), "active" },
    { "terminal-scrollback", G_STRUCT_OFFSET (HgPreferencesDialog, scrollback_spin), "value" },
  };
  g_autofree char *default_base = g_build_filename (g_get_user_data_dir (), "hangar", "vms", NULL);
  g_autofree char *display = NULL;
  g_autofree char *text = NULL;
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  /* ~/.local/share/hangar/vms rather than /home/NAME/… */
  if (home_len > 1 && g_str_has_prefix (default_base, home) && default_base[home_len] == G_DIR_SEPARATOR)
    {
      g_autofree char *rest = g_filename_display_name (default_base + home_len);

      display = g_strconcat ("~", rest, NULL);
    }
  else
    display = g_filename_display_name (default_base);

  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    {
      GObject *widget = G_STRUCT_MEMBER (GObject *, self, bindings[i].offset);

      g_settings_bind (self->settings, bindings[i].key, widget, bindings[i].property,
                       G_SETTINGS_BIND_DEFAULT);
    }

  /* Translators: %s is a folder, usually ~/.local/share/hangar/vms */
  text = g_strdup_printf (_("The VMs in %s"), display);
  gtk_label_set_text (self->default_base_label, text);

  g_signal_connect_object (self->settings, "changed::base-directories",
                           G_CALLBACK (on_bases_changed), self, 0);
  update_bases (self);
}

HgPreferencesDialog *
hg_preferences_dialog_new (GtkWindow *parent,
                           GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (HG_TYPE_PREFERENCES_DIALOG,
                       "transient-for", parent,
                       "settings", settings,
                       NULL);
}

static void
hg_preferences_dialog_constructed (GObject *object)
{
  HgPreferencesDialog *self = HG_PREFERENCES_DIALOG (object);

  G_OBJECT_CLASS (hg_preferences_dialog_parent_class)->constructed (object);

  g_assert (self->settings != NULL);
  bind_settings (self);
}

static void
hg_preferences_dialog_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  HgPreferencesDialog *self = HG_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_preferences_dialog_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  HgPreferencesDialog *self = HG_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_preferences_dialog_dispose (GObject *object)
{
  HgPreferencesDialog *self = HG_PREFERENCES_DIALOG (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hg_preferences_dialog_parent_class)->dispose (object);
}

static void
hg_preferences_dialog_class_init (HgPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hg_preferences_dialog_constructed;
  object_class->set_property = hg_preferences_dialog_set_property;
  object_class->get_property = hg_preferences_dialog_get_property;
  object_class->dispose = hg_preferences_dialog_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, bases_list);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, bases_empty_label);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, default_base_switch);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, default_base_label);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, console_combo);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, accel_combo);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, memory_spin);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, confirm_force_off_switch);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, confirm_delete_switch);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, notify_stop_switch);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, notify_crash_switch);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, scale_display_switch);
  gtk_widget_class_bind_template_child (widget_class, HgPreferencesDialog, scrollback_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_add_base_clicked);
}

static void
hg_preferences_dialog_init (HgPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
