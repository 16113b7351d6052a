/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-forward-row.h"
#include "hg-vm-forwards.h"

struct _HgForwardRow
{
  GtkListBoxRow  parent_instance;

  HgHostFwd     *fwd;
  char          *reach;

  /* template */
  GtkLabel      *title_label;
  GtkLabel      *rule_label;
  GtkLabel      *reach_label;
  GtkWidget     *copy_button;
  GtkWidget     *remove_button;
};

G_DEFINE_FINAL_TYPE (HgForwardRow, hg_forward_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  SIGNAL_REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_copy_clicked (HgForwardRow *self)
{
  GtkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self), GDK_SELECTION_CLIPBOARD);

  gtk_clipboard_set_text (clipboard, self->reach, -1);
}

static void
on_remove_clicked (HgForwardRow *self)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

static char *
rule_text (const HgHostFwd *fwd)
{
  /* TRANSLATORS: a port forward: "tcp 127.0.0.1:2222 → guest port 22" */
  return g_strdup_printf (_("%s %s:%u → guest port %u"), fwd->proto,
                          fwd->address != NULL ? fwd->address : HG_HOST_FWD_DEFAULT_ADDRESS,
                          fwd->host_port, fwd->guest_port);
}

GtkWidget *
hg_forward_row_new (const HgHostFwd *fwd,
                    gboolean         removable)
{
  HgForwardRow *self;
  g_autofree char *rule = NULL;

  g_return_val_if_fail (fwd != NULL, NULL);

  self = g_object_new (HG_TYPE_FORWARD_ROW, NULL);
  self->fwd = hg_host_fwd_copy (fwd);
  self->reach = hg_host_fwd_reach_text (fwd);
  rule = rule_text (fwd);
  gtk_label_set_text (self->title_label, fwd->name != NULL ? fwd->name : _("Port forward"));
  gtk_label_set_text (self->rule_label, rule);
  gtk_label_set_text (self->reach_label, self->reach);
  gtk_widget_set_visible (self->remove_button, removable);
  return GTK_WIDGET (self);
}

const HgHostFwd *
hg_forward_row_get_forward (HgForwardRow *self)
{
  g_return_val_if_fail (HG_IS_FORWARD_ROW (self), NULL);
  return self->fwd;
}

const char *
hg_forward_row_get_reach (HgForwardRow *self)
{
  g_return_val_if_fail (HG_IS_FORWARD_ROW (self), NULL);
  return self->reach;
}

char *
hg_forward_row_dump (HgForwardRow *self)
{
  g_return_val_if_fail (HG_IS_FORWARD_ROW (self), NULL);
  return g_strdup_printf ("%s %s: %s", gtk_label_get_text (self->rule_label),
                          gtk_label_get_text (self->title_label), self->reach);
}

static void
hg_forward_row_finalize (GObject *object)
{
  HgForwardRow *self = HG_FORWARD_ROW (object);

  g_clear_pointer (&self->fwd, hg_host_fwd_free);
  g_clear_pointer (&self->reach, g_free);
  G_OBJECT_CLASS (hg_forward_row_parent_class)->finalize (object);
}

static void
hg_forward_row_class_init (HgForwardRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = hg_forward_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-forward-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HgForwardRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, HgForwardRow, rule_label);
  gtk_widget_class_bind_template_child (widget_class, HgForwardRow, reach_label);
  gtk_widget_class_bind_template_child (widget_class, HgForwardRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, HgForwardRow, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);

  signals[SIGNAL_REMOVE] =
    g_signal_new ("remove-clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hg_forward_row_init (HgForwardRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
