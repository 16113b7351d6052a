/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-shares-editor.h"
#include "hg-vm-shares.h"

struct _HgSharesEditor
{
  GtkBox                parent_instance;

  HgVm                 *vm;

  /* template */
  GtkListBox           *shares_list;
  GtkFileChooserButton *folder_button;
  GtkEntry             *tag_entry;
  GtkToggleButton      *readonly_check;
  GtkLabel             *error_label;
};

G_DEFINE_FINAL_TYPE (HgSharesEditor, hg_shares_editor, GTK_TYPE_BOX)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (HgSharesEditor *self,
            const char     *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static const char *
config_path (HgSharesEditor *self)
{
  return self->vm != NULL ? hg_vm_get_config (self->vm)->path : NULL;
}

static void on_remove_clicked (GtkButton *button, HgSharesEditor *self);

/* the list from the saved config */
static void
fill (HgSharesEditor *self)
{
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->shares_list));
  g_autoptr(HgVmConfig) config = NULL;

  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  if (config_path (self) == NULL)
    return;
  config = hg_vm_config_load (config_path (self), NULL);
  for (guint i = 0; config != NULL && i < config->shares->len; i++)
    {
      HgShare *share = g_ptr_array_index (config->shares, i);
      g_autofree char *mount = hg_share_mount_command (share);
      g_autofree char *text = NULL;
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *label, *button;

      /* Translators: tag, folder, read-only/read-write, the guest's mount command */
      text = g_strdup_printf (_("“%s”: %s (%s)\n%s"), share->tag, share->path,
                              share->readonly ? _("read-only") : _("read-write"), mount);
      label = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_widget_set_hexpand (label, TRUE);
      button = gtk_button_new_from_icon_name ("list-remove-symbolic", GTK_ICON_SIZE_BUTTON);
      gtk_widget_set_tooltip_text (button, _("Stop sharing this folder"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_signal_connect (button, "clicked", G_CALLBACK (on_remove_clicked), self);
      gtk_container_add (GTK_CONTAINER (box), label);
      gtk_container_add (GTK_CONTAINER (box), button);
      g_object_set (box, "margin", 6, NULL);
      gtk_widget_show_all (box);
      gtk_container_add (GTK_CONTAINER (self->shares_list), box);
    }
}

static void
on_field_changed (HgSharesEditor *self)
{
  show_error (self, NULL);
}

void
hg_shares_editor_add (HgSharesEditor *self,
                      const char     *folder,
                      const char     *tag,
                      gboolean        readonly)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *default_tag = NULL;
  HgShare share = { (char *) folder, (char *) tag, readonly, HG_SHARE_AUTO, NULL };

  g_return_if_fail (HG_IS_SHARES_EDITOR (self));

  if (config_path (self) == NULL)
    return;
  if (folder == NULL || *folder == '\0')
    {
      show_error (self, _("Choose a folder to share"));
      return;
    }
  if (tag == NULL || *tag == '\0')
    share.tag = default_tag = hg_share_default_tag (folder);
  if (!hg_vm_shares_add (config_path (self), &share, &error))
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  gtk_entry_set_text (self->tag_entry, "");
  gtk_toggle_button_set_active (self->readonly_check, FALSE);
  fill (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_add_clicked (HgSharesEditor *self)
{
  g_autofree char *folder = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (self->folder_button));

  hg_shares_editor_add (self, folder, gtk_entry_get_text (self->tag_entry),
                        gtk_toggle_button_get_active (self->readonly_check));
}

static void
remove_tag (HgSharesEditor *self,
            const char     *tag)
{
  g_autoptr(GError) error = NULL;
  HgShare *removed = NULL;

  if (config_path (self) == NULL || tag == NULL)
    return;
  if (!hg_vm_shares_remove (config_path (self), tag, &removed, &error))
    {
      show_error (self, error->message);
      return;
    }
  hg_share_free (removed);
  show_error (self, NULL);
  fill (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* the row's place in the list is the share's in the config it was
 * filled from */
static void
on_remove_clicked (GtkButton      *button,
                   HgSharesEditor *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);

  if (row != NULL)
    hg_shares_editor_remove (self, (guint) gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)));
}

void
hg_shares_editor_remove (HgSharesEditor *self,
                         guint           index)
{
  g_autoptr(HgVmConfig) config = NULL;

  g_return_if_fail (HG_IS_SHARES_EDITOR (self));

  if (config_path (self) == NULL)
    return;
  config = hg_vm_config_load (config_path (self), NULL);
  if (config == NULL || index >= config->shares->len)
    return;
  remove_tag (self, ((HgShare *) g_ptr_array_index (config->shares, index))->tag);
}

void
hg_shares_editor_set_vm (HgSharesEditor *self,
                         HgVm           *vm)
{
  g_return_if_fail (HG_IS_SHARES_EDITOR (self));

  g_set_object (&self->vm, vm);
  show_error (self, NULL);
  fill (self);
}

const char *
hg_shares_editor_get_error (HgSharesEditor *self)
{
  g_return_val_if_fail (HG_IS_SHARES_EDITOR (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
           ? gtk_label_get_text (self->error_label) : NULL;
}

char *
hg_shares_editor_dump (HgSharesEditor *self)
{
  g_autoptr(GList) rows = NULL;
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (HG_IS_SHARES_EDITOR (self), NULL);

  rows = gtk_container_get_children (GTK_CONTAINER (self->shares_list));
  for (GList *l = rows; l != NULL; l = l->next)
    {
      GtkWidget *box = gtk_bin_get_child (GTK_BIN (l->data));
      g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (box));

      g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (children->data)));
    }
  return g_string_free (out, FALSE);
}

static void
hg_shares_editor_dispose (GObject *object)
{
  HgSharesEditor *self = HG_SHARES_EDITOR (object);

  g_clear_object (&self->vm);
  G_OBJECT_CLASS (hg_shares_editor_parent_class)->dispose (object);
}

static void
hg_shares_editor_class_init (HgSharesEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_shares_editor_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-shares-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HgSharesEditor, name)
  BIND (shares_list);
  BIND (folder_button);
  BIND (tag_entry);
  BIND (readonly_check);
  BIND (error_label);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hg_shares_editor_init (HgSharesEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
