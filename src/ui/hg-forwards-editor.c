/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-forward-row.h"
#include "hg-forwards-editor.h"
#include "hg-vm-forwards.h"

struct _HgForwardsEditor
{
  GtkBox           parent_instance;

  HgVm            *vm;
  GCancellable    *cancellable;
  gboolean         busy;
  gboolean         reveal;         /* scroll the dialog to the form once it is laid out */

  /* template */
  GtkListBox      *forwards_list;
  GtkLabel        *no_user_net_label;
  GtkWidget       *form;
  GtkComboBoxText *proto_combo;
  GtkEntry        *address_entry;
  GtkEntry        *host_port_entry;
  GtkEntry        *guest_port_entry;
  GtkEntry        *name_entry;
  GtkLabel        *error_label;
};

G_DEFINE_FINAL_TYPE (HgForwardsEditor, hg_forwards_editor, GTK_TYPE_BOX)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (HgForwardsEditor *self,
            const char       *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    self->reveal = TRUE;
}

/* A dialog that scrolls (the properties on a small screen) shows the form
 * and its error, the last things in it, after an error or a change: at
 * the end of the scrolled range once it is laid out anew */
static void
scroll_to_end (GtkAdjustment *adjustment)
{
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
}

static void
on_adjustment_changed (GtkAdjustment    *adjustment,
                       HgForwardsEditor *self)
{
  scroll_to_end (adjustment);
  g_signal_handlers_disconnect_by_func (adjustment, on_adjustment_changed, self);
}

static void
on_allocated (HgForwardsEditor *self)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;

  if (!self->reveal || scrolled == NULL)
    return;
  self->reveal = FALSE;
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  scroll_to_end (adjustment);
  /* and again when the scrolled range follows the new size */
  g_signal_handlers_disconnect_by_func (adjustment, on_adjustment_changed, self);
  g_signal_connect_object (adjustment, "changed", G_CALLBACK (on_adjustment_changed), self, 0);
}

static void on_row_remove (HgForwardsEditor *self, HgForwardRow *row);

static void
refill (HgForwardsEditor *self)
{
  HgVmConfig *config = self->vm != NULL ? hg_vm_get_config (self->vm) : NULL;
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->forwards_list));
  gint nic = config != NULL ? hg_vm_config_forward_nic (config, -1, NULL) : -1;

  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  if (nic >= 0)
    {
      HgNic *n = g_ptr_array_index (config->nics, nic);

      for (guint i = 0; i < n->hostfwd->len; i++)
        {
          GtkWidget *row = hg_forward_row_new (g_ptr_array_index (n->hostfwd, i), TRUE);

          g_signal_connect_object (row, "remove-clicked", G_CALLBACK (on_row_remove), self,
                                   G_CONNECT_SWAPPED);
          gtk_container_add (GTK_CONTAINER (self->forwards_list), row);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->no_user_net_label), config != NULL && nic < 0);
  gtk_widget_set_sensitive (self->form, nic >= 0 && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->forwards_list), nic >= 0 && !self->busy);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(HgForwardsEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hg_vm_action_finish (HG_VM (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  show_error (self, error != NULL ? error->message : NULL);
  refill (self);
  self->reveal = TRUE;
  if (error == NULL)
    {
      gtk_entry_set_text (self->host_port_entry, "");
      gtk_entry_set_text (self->guest_port_entry, "");
      gtk_entry_set_text (self->name_entry, "");
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
    }
}

static void
begin (HgForwardsEditor *self)
{
  self->busy = TRUE;
  show_error (self, NULL);
  gtk_widget_set_sensitive (self->form, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->forwards_list), FALSE);
}

static void
on_row_remove (HgForwardsEditor *self,
               HgForwardRow     *row)
{
  g_autoptr(GPtrArray) fwds = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_host_fwd_free);
  HgHostFwd *fwd;

  if (self->busy || self->vm == NULL)
    return;
  fwd = hg_host_fwd_copy (hg_forward_row_get_forward (row));
  if (fwd->address == NULL)
    fwd->address = g_strdup (HG_HOST_FWD_DEFAULT_ADDRESS);
  g_ptr_array_add (fwds, fwd);
  begin (self);
  hg_vm_forwards_remove_async (self->vm, fwds, -1, self->cancellable, on_done,
                               g_object_ref (self));
}

static void
on_add_clicked (HgForwardsEditor *self)
{
  const char *proto = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->proto_combo));
  g_autofree char *address = g_strstrip (g_strdup (gtk_entry_get_text (self->address_entry)));
  g_autofree char *host = g_strstrip (g_strdup (gtk_entry_get_text (self->host_port_entry)));
  g_autofree char *guest = g_strstrip (g_strdup (gtk_entry_get_text (self->guest_port_entry)));
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) fwds = NULL;
  g_autoptr(GError) error = NULL;

  if (self->busy || self->vm == NULL)
    return;
  if (host[0] == '\0' || guest[0] == '\0')
    {
      show_error (self, host[0] == '\0' ? _("Which host port? e.g. 2222 (or a range 8000-8010)")
                                        : _("Which guest port? e.g. 22"));
      gtk_widget_grab_focus (GTK_WIDGET (host[0] == '\0' ? self->host_port_entry
                                                         : self->guest_port_entry));
      return;
    }
  /* loopback stays the default the config does not spell out */
  text = g_strdup_printf ("%s:%s%s%s:%s", proto != NULL ? proto : "tcp",
                          address[0] != '\0' && !g_str_equal (address, HG_HOST_FWD_DEFAULT_ADDRESS)
                            ? address : "",
                          address[0] != '\0' && !g_str_equal (address, HG_HOST_FWD_DEFAULT_ADDRESS)
                            ? ":" : "",
                          host, guest);
  fwds = hg_host_fwd_parse (text, name, FALSE, &error);
  if (fwds == NULL)
    {
      show_error (self, error->message);
      return;
    }
  begin (self);
  hg_vm_forwards_add_async (self->vm, fwds, -1, self->cancellable, on_done, g_object_ref (self));
}

static void
on_field_changed (HgForwardsEditor *self)
{
  if (!self->busy)
    show_error (self, NULL);
}

void
hg_forwards_editor_set_vm (HgForwardsEditor *self,
                           HgVm             *vm)
{
  g_return_if_fail (HG_IS_FORWARDS_EDITOR (self));
  g_return_if_fail (vm == NULL || HG_IS_VM (vm));

  g_set_object (&self->vm, vm);
  show_error (self, NULL);
  refill (self);
}

void
hg_forwards_editor_add (HgForwardsEditor *self,
                        const char       *proto,
                        const char       *address,
                        const char       *host_port,
                        const char       *guest_port,
                        const char       *name)
{
  g_return_if_fail (HG_IS_FORWARDS_EDITOR (self));

  if (proto != NULL)
    gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->proto_combo), proto);
  if (address != NULL)
    gtk_entry_set_text (self->address_entry, address);
  if (host_port != NULL)
    gtk_entry_set_text (self->host_port_entry, host_port);
  if (guest_port != NULL)
    gtk_entry_set_text (self->guest_port_entry, guest_port);
  if (name != NULL)
    gtk_entry_set_text (self->name_entry, name);
  on_add_clicked (self);
}

void
hg_forwards_editor_remove (HgForwardsEditor *self,
                           guint             index)
{
  GtkListBoxRow *row;

  g_return_if_fail (HG_IS_FORWARDS_EDITOR (self));

  row = gtk_list_box_get_row_at_index (self->forwards_list, (int) index);
  g_return_if_fail (HG_IS_FORWARD_ROW (row));
  on_row_remove (self, HG_FORWARD_ROW (row));
}

gboolean
hg_forwards_editor_is_busy (HgForwardsEditor *self)
{
  g_return_val_if_fail (HG_IS_FORWARDS_EDITOR (self), FALSE);
  return self->busy;
}

const char *
hg_forwards_editor_get_error (HgForwardsEditor *self)
{
  g_return_val_if_fail (HG_IS_FORWARDS_EDITOR (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
           ? gtk_label_get_text (self->error_label) : NULL;
}

char *
hg_forwards_editor_dump (HgForwardsEditor *self)
{
  g_autoptr(GList) rows = NULL;
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (HG_IS_FORWARDS_EDITOR (self), NULL);

  rows = gtk_container_get_children (GTK_CONTAINER (self->forwards_list));
  for (GList *l = rows; l != NULL; l = l->next)
    {
      g_autofree char *line = hg_forward_row_dump (l->data);

      g_string_append_printf (out, "%s\n", line);
    }
  return g_string_free (out, FALSE);
}

static void
hg_forwards_editor_dispose (GObject *object)
{
  HgForwardsEditor *self = HG_FORWARDS_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->vm);
  G_OBJECT_CLASS (hg_forwards_editor_parent_class)->dispose (object);
}

static void
hg_forwards_editor_class_init (HgForwardsEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_forwards_editor_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-forwards-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HgForwardsEditor, name)
  BIND (forwards_list);
  BIND (no_user_net_label);
  BIND (form);
  BIND (proto_combo);
  BIND (address_entry);
  BIND (host_port_entry);
  BIND (guest_port_entry);
  BIND (name_entry);
  BIND (error_label);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hg_forwards_editor_init (HgForwardsEditor *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "size-allocate", G_CALLBACK (on_allocated), NULL);
  show_error (self, NULL);
}
