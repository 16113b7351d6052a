/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-disks-editor.h"
#include "hg-vm-disks.h"

struct _HgDisksEditor
{
  GtkBox           parent_instance;

  HgVm            *vm;
  GCancellable    *cancellable;    /* the editor's life */
  GCancellable    *operation;      /* the running operation (Cancel) */
  gboolean         busy;
  GPtrArray       *disks;          /* HgVmDiskInfo* listed */
  GtkWidget       *confirm;        /* the remove dialog, or NULL */
  char            *confirm_name;

  /* template */
  GtkListBox      *disks_list;
  GtkWidget       *disk_actions;
  GtkEntry        *size_entry;
  GtkComboBoxText *format_combo;
  GtkToggleButton *compress_check;
  GtkWidget       *add_form;
  GtkEntry        *new_size_entry;
  GtkComboBoxText *new_format_combo;
  GtkComboBoxText *bus_combo;
  GtkWidget       *progress_box;
  GtkProgressBar  *progress_bar;
  GtkLabel        *note_label;
  GtkLabel        *error_label;
};

G_DEFINE_FINAL_TYPE (HgDisksEditor, hg_disks_editor, GTK_TYPE_BOX)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_label (GtkLabel   *label,
            const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
}

static void
update_sensitive (HgDisksEditor *self)
{
  gboolean selected = gtk_list_box_get_selected_row (self->disks_list) != NULL;

  gtk_widget_set_sensitive (self->disk_actions, self->vm != NULL && !self->busy && selected);
  gtk_widget_set_sensitive (self->add_form, self->vm != NULL && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->disks_list), !self->busy);
}

/* ---- the list ------------------------------------------------------------- */

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(HgVmConfig) config = NULL;
  GError *error = NULL;
  GPtrArray *disks;

  config = hg_vm_config_load (task_data, &error);
  if (config == NULL || (disks = hg_vm_disks_list (config, cancellable, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, disks, (GDestroyNotify) g_ptr_array_unref);
}

static char *
describe (HgVmDiskInfo *d)
{
  g_autofree char *size = hg_size_format (d->virtual_size);
  g_autofree char *used = hg_size_format (d->actual_size);

  /* TRANSLATORS: disk0 — qcow2, 20 GiB (1.2 GiB on the host), bus virtio — /path */
  return g_strdup_printf (_("%s — %s, %s (%s on the host), bus %s — %s"), d->name, d->format,
                          size, used, d->interface != NULL ? d->interface : _("default"),
                          d->path);
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HgDisksEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) rows = NULL;
  GPtrArray *disks = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  rows = gtk_container_get_children (GTK_CONTAINER (self->disks_list));
  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  g_clear_pointer (&self->disks, g_ptr_array_unref);
  self->disks = disks;
  if (disks == NULL)
    show_label (self->error_label, error->message);
  for (guint i = 0; disks != NULL && i < disks->len; i++)
    {
      g_autofree char *text = describe (g_ptr_array_index (disks, i));
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_widget_set_tooltip_text (label, text);
      g_object_set (label, "margin", 6, NULL);
      gtk_widget_show (label);
      gtk_container_add (GTK_CONTAINER (self->disks_list), label);
    }
  self->busy = FALSE;
  update_sensitive (self);
}

static void
refresh (HgDisksEditor *self)
{
  GTask *task;

  if (self->vm == NULL)
    return;
  self->busy = TRUE;
  update_sensitive (self);
  task = g_task_new (NULL, self->cancellable, on_listed, g_object_ref (self));
  g_task_set_task_data (task, g_strdup (hg_vm_get_config (self->vm)->path), g_free);
  g_task_run_in_thread (task, list_thread);
  g_object_unref (task);
}

static const char *
selected_name (HgDisksEditor *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->disks_list);
  int index = row != NULL ? gtk_list_box_row_get_index (row) : -1;

  if (index < 0 || self->disks == NULL || (guint) index >= self->disks->len)
    return NULL;
  return ((HgVmDiskInfo *) g_ptr_array_index (self->disks, index))->name;
}

static void
on_row_selected (HgDisksEditor *self)
{
  update_sensitive (self);
}

/* ---- operations ------------------------------------------------------------ */

/* Starts an operation; FALSE with the error shown when there is none to
 * work on */
static gboolean
begin (HgDisksEditor *self,
       gboolean       progress)
{
  if (self->vm == NULL || self->busy)
    return FALSE;
  show_label (self->error_label, NULL);
  show_label (self->note_label, NULL);
  self->busy = TRUE;
  g_clear_object (&self->operation);
  self->operation = g_cancellable_new ();
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, NULL);
  gtk_widget_set_visible (self->progress_box, progress);
  update_sensitive (self);
  return TRUE;
}

/* Ends an operation: its error shown, or the note and "changed" */
static void
end (HgDisksEditor *self,
     const GError  *error,
     const char    *note)
{
  self->busy = FALSE;
  gtk_widget_set_visible (self->progress_box, FALSE);
  if (error != NULL)
    show_label (self->error_label, error->message);
  else
    {
      show_label (self->note_label, note);
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
    }
  refresh (self);
}

static void
on_progress (double   fraction,
             gpointer user_data)
{
  HgDisksEditor *self = user_data;

  if (fraction < 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

static HgVmConfig *
fresh_config (HgDisksEditor  *self,
              GError        **error)
{
  return hg_vm_config_load (hg_vm_get_config (self->vm)->path, error);
}

/* resize */

typedef struct {
  char    *path;
  char    *name;
  guint64  bytes;
} Resize;

static void
resize_free (Resize *r)
{
  g_free (r->path);
  g_free (r->name);
  g_free (r);
}

static void
resize_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Resize *r = task_data;
  g_autoptr(HgVmConfig) config = NULL;
  GError *error = NULL;

  config = hg_vm_config_load (r->path, &error);
  if (config == NULL || !hg_vm_disk_resize (config, r->name, r->bytes, FALSE, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_resized (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HgDisksEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (HG_IS_VM (source))
    hg_vm_disk_resize_online_finish (HG_VM (source), result, &error);
  else
    g_task_propagate_boolean (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      g_cancellable_is_cancelled (self->cancellable))
    return;
  end (self, error, error == NULL ? hg_vm_disk_grow_note () : NULL);
}

static void
on_resize_clicked (HgDisksEditor *self)
{
  const char *name = selected_name (self);
  g_autofree char *text = g_strstrip (g_strdup (gtk_entry_get_text (self->size_entry)));
  g_autoptr(GError) error = NULL;
  guint64 bytes = 0;

  if (name == NULL || self->busy)
    return;
  if (!hg_size_parse (text, &bytes, &error) || bytes == 0)
    {
      g_autofree char *message = g_strdup_printf (_("New size: %s"),
                                                  error != NULL ? error->message
                                                                : _("a disk needs a size larger than 0"));
      show_label (self->error_label, message);
      return;
    }
  if (!begin (self, FALSE))
    return;
  if (hg_vm_is_active (self->vm))
    hg_vm_disk_resize_online_async (self->vm, name, bytes, self->operation, on_resized,
                                    g_object_ref (self));
  else
    {
      Resize *r = g_new0 (Resize, 1);
      GTask *task = g_task_new (NULL, self->operation, on_resized, g_object_ref (self));

      r->path = g_strdup (hg_vm_get_config (self->vm)->path);
      r->name = g_strdup (name);
      r->bytes = bytes;
      g_task_set_task_data (task, r, (GDestroyNotify) resize_free);
      g_task_run_in_thread (task, resize_thread);
      g_object_unref (task);
    }
}

/* convert, compact */

static void
on_converted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HgDisksEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *note = NULL;

  if (!hg_vm_disk_convert_finish (result, &kept, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        return;
      g_clear_error (&error);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Cancelled: the disk is as it was"));
    }
  if (kept != NULL)
    note = g_strdup_printf (_("The old image %s is kept: remove it when you no longer need it."),
                            kept);
  end (self, error, note);
}

static void
convert (HgDisksEditor *self,
         const char    *format)
{
  const char *name = selected_name (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = NULL;

  if (name == NULL || self->busy)
    return;
  if (!hg_vm_disks_ensure_stopped (self->vm, format != NULL ? _("convert a disk")
                                                            : _("compact a disk"), &error) ||
      (config = fresh_config (self, &error)) == NULL)
    {
      show_label (self->error_label, error->message);
      return;
    }
  if (!begin (self, TRUE))
    return;
  gtk_progress_bar_set_text (self->progress_bar, format != NULL ? _("Converting…")
                                                                : _("Compacting…"));
  hg_vm_disk_convert_async (config, name, format,
                            gtk_toggle_button_get_active (self->compress_check), on_progress,
                            self, self->operation, on_converted, g_object_ref (self));
}

static void
on_convert_clicked (HgDisksEditor *self)
{
  convert (self, gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->format_combo)));
}

static void
on_compact_clicked (HgDisksEditor *self)
{
  convert (self, NULL);
}

static void
on_cancel_clicked (HgDisksEditor *self)
{
  if (self->operation != NULL)
    g_cancellable_cancel (self->operation);
}

/* add */

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(HgDisksEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = hg_vm_disk_add_finish (result, &error);
  g_autofree char *note = NULL;

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      g_cancellable_is_cancelled (self->cancellable))
    return;
  if (name != NULL)
    {
      gtk_entry_set_text (self->new_size_entry, "");
      if (hg_vm_is_active (self->vm))
        note = g_strdup_printf (_("%s is added; the guest sees it from the next start."), name);
    }
  end (self, error, note);
}

static void
add (HgDisksEditor *self,
     const char    *image)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_entry_get_text (self->new_size_entry)));
  const char *bus = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->bus_combo));
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  HgVmDiskAddSpec spec = { 0 };

  if (self->vm == NULL || self->busy)
    return;
  if (image == NULL && (!hg_size_parse (text, &spec.size, &error) || spec.size == 0))
    {
      g_autofree char *message = g_strdup_printf (_("Size of the new disk: %s"),
                                                  error != NULL ? error->message
                                                                : _("a disk needs a size larger than 0"));
      show_label (self->error_label, message);
      gtk_widget_grab_focus (GTK_WIDGET (self->new_size_entry));
      return;
    }
  config = fresh_config (self, &error);
  if (config == NULL)
    {
      show_label (self->error_label, error->message);
      return;
    }
  spec.image = image;
  spec.format = image == NULL ? gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->new_format_combo))
                              : NULL;
  spec.interface = bus != NULL && !g_str_equal (bus, "default") ? bus : NULL;
  if (!begin (self, image != NULL))
    return;
  hg_vm_disk_add_async (config, &spec, on_progress, self, self->operation, on_added,
                        g_object_ref (self));
}

static void
on_add_clicked (HgDisksEditor *self)
{
  add (self, NULL);
}

static void
on_image_chosen (GtkNativeDialog *chooser,
                 int              response,
                 HgDisksEditor   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));

      if (path != NULL)
        add (self, path);
    }
  g_object_unref (chooser);
}

static void
on_add_image_clicked (HgDisksEditor *self)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Add a Disk Image"),
                                         GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Add"), _("_Cancel"));
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_image_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* remove */

enum {
  RESPONSE_KEEP = 1,
  RESPONSE_TRASH = 2,
};

static void
on_confirmed (GtkDialog     *dialog,
              int            response,
              HgDisksEditor *self)
{
  g_autofree char *name = g_steal_pointer (&self->confirm_name);
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *note = NULL;

  gtk_widget_destroy (GTK_WIDGET (dialog));
  self->confirm = NULL;
  if (response != RESPONSE_KEEP && response != RESPONSE_TRASH)
    return;
  if (!begin (self, FALSE))
    return;
  config = fresh_config (self, &error);
  if (config != NULL &&
      hg_vm_disk_remove (config, name, response == RESPONSE_TRASH, &path, &error))
    note = g_strdup_printf (response == RESPONSE_TRASH ? _("%s is removed; its image %s is in the trash.")
                                                       : _("%s is removed; its image %s is kept."),
                            name, path);
  end (self, error, note);
}

static void
on_remove_clicked (HgDisksEditor *self)
{
  const char *name = selected_name (self);
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->disks_list);
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  g_autoptr(GError) error = NULL;
  HgVmDiskInfo *d;

  if (name == NULL || self->busy || self->confirm != NULL)
    return;
  if (!hg_vm_disks_ensure_stopped (self->vm, _("remove a disk"), &error))
    {
      show_label (self->error_label, error->message);
      return;
    }
  d = g_ptr_array_index (self->disks, gtk_list_box_row_get_index (row));
  self->confirm_name = g_strdup (name);
  self->confirm = gtk_message_dialog_new (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                          GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                          GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                          _("Remove %s from VM “%s”?"), name,
                                          hg_vm_get_label (self->vm));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (self->confirm),
                                            _("Its image %s can be kept where it is, or moved "
                                              "to the trash."), d->path);
  gtk_dialog_add_buttons (GTK_DIALOG (self->confirm), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Keep the Image"), RESPONSE_KEEP,
                          _("Move Image to _Trash"), RESPONSE_TRASH, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (self->confirm), GTK_RESPONSE_CANCEL);
  g_signal_connect_object (self->confirm, "response", G_CALLBACK (on_confirmed), self, 0);
  gtk_widget_show (self->confirm);
}

/* ---- public ----------------------------------------------------------------- */

void
hg_disks_editor_set_vm (HgDisksEditor *self,
                        HgVm          *vm)
{
  g_return_if_fail (HG_IS_DISKS_EDITOR (self));
  g_return_if_fail (vm == NULL || HG_IS_VM (vm));

  g_set_object (&self->vm, vm);
  show_label (self->error_label, NULL);
  show_label (self->note_label, NULL);
  refresh (self);
  update_sensitive (self);
}

void
hg_disks_editor_select (HgDisksEditor *self,
                        guint          index)
{
  g_return_if_fail (HG_IS_DISKS_EDITOR (self));
  gtk_list_box_select_row (self->disks_list,
                           gtk_list_box_get_row_at_index (self->disks_list, (int) index));
}

void
hg_disks_editor_resize (HgDisksEditor *self,
                        const char    *size)
{
  g_return_if_fail (HG_IS_DISKS_EDITOR (self));
  gtk_entry_set_text (self->size_entry, size);
  on_resize_clicked (self);
}

void
hg_disks_editor_convert (HgDisksEditor *self,
                         const char    *format)
{
  g_return_if_fail (HG_IS_DISKS_EDITOR (self));
  if (format == NULL)
    on_compact_clicked (self);
  else
    {
      gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->format_combo), format);
      on_convert_clicked (self);
    }
}

void
hg_disks_editor_add (HgDisksEditor *self,
                     const char    *size,
                     const char    *format)
{
  g_return_if_fail (HG_IS_DISKS_EDITOR (self));
  gtk_entry_set_text (self->new_size_entry, size);
  if (format != NULL)
    gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->new_format_combo), format);
  on_add_clicked (self);
}

GtkWidget *
hg_disks_editor_remove (HgDisksEditor *self)
{
  g_return_val_if_fail (HG_IS_DISKS_EDITOR (self), NULL);
  on_remove_clicked (self);
  return self->confirm;
}

void
hg_disks_editor_cancel (HgDisksEditor *self)
{
  g_return_if_fail (HG_IS_DISKS_EDITOR (self));
  on_cancel_clicked (self);
}

gboolean
hg_disks_editor_is_busy (HgDisksEditor *self)
{
  g_return_val_if_fail (HG_IS_DISKS_EDITOR (self), FALSE);
  return self->busy;
}

double
hg_disks_editor_get_progress (HgDisksEditor *self)
{
  g_return_val_if_fail (HG_IS_DISKS_EDITOR (self), -1);
  if (!gtk_widget_get_visible (self->progress_box))
    return -1;
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

const char *
hg_disks_editor_get_error (HgDisksEditor *self)
{
  g_return_val_if_fail (HG_IS_DISKS_EDITOR (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
           ? gtk_label_get_text (self->error_label) : NULL;
}

const char *
hg_disks_editor_get_note (HgDisksEditor *self)
{
  g_return_val_if_fail (HG_IS_DISKS_EDITOR (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->note_label))
           ? gtk_label_get_text (self->note_label) : NULL;
}

char *
hg_disks_editor_dump (HgDisksEditor *self)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (HG_IS_DISKS_EDITOR (self), NULL);

  for (guint i = 0; self->disks != NULL && i < self->disks->len; i++)
    {
      g_autofree char *line = describe (g_ptr_array_index (self->disks, i));

      g_string_append_printf (out, "%s\n", line);
    }
  return g_string_free (out, FALSE);
}

static void
hg_disks_editor_dispose (GObject *object)
{
  HgDisksEditor *self = HG_DISKS_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  if (self->operation != NULL)
    g_cancellable_cancel (self->operation);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->operation);
  if (self->confirm != NULL)
    gtk_widget_destroy (g_steal_pointer (&self->confirm));
  g_clear_pointer (&self->confirm_name, g_free);
  g_clear_pointer (&self->disks, g_ptr_array_unref);
  g_clear_object (&self->vm);
  G_OBJECT_CLASS (hg_disks_editor_parent_class)->dispose (object);
}

static void
hg_disks_editor_class_init (HgDisksEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_disks_editor_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-disks-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HgDisksEditor, name)
  BIND (disks_list);
  BIND (disk_actions);
  BIND (size_entry);
  BIND (format_combo);
  BIND (compress_check);
  BIND (add_form);
  BIND (new_size_entry);
  BIND (new_format_combo);
  BIND (bus_combo);
  BIND (progress_box);
  BIND (progress_bar);
  BIND (note_label);
  BIND (error_label);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_resize_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_convert_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_compact_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_image_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hg_disks_editor_init (HgDisksEditor *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  update_sensitive (self);
}
