/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "hg-net-helper.h"
#include "hg-network-view.h"
#include "hg-runtime.h"
#include "hg-switch.h"

enum {
  COL_NAME,
  COL_WHO,
  COL_IN,
  COL_OUT,
};

struct _HgNetworkView
{
  GtkBox         parent_instance;

  /* template */
  GtkInfoBar    *info_bar;
  GtkLabel      *info_label;
  GtkTreeStore  *store;
  GtkTreeView   *tree;
  GtkLabel      *tap_label;
  GtkButton     *create_button;
  GtkButton     *remove_button;

  char          *runtime_root;
  HgHostCaps    *caps;
  GHashTable    *switches;     /* name -> HgSwitch (watched) */
  GHashTable    *link_down;    /* names whose switch died and is not back */
  GCancellable  *cancellable;
  guint          generation;
  char          *error;
};

G_DEFINE_FINAL_TYPE (HgNetworkView, hg_network_view, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_RUNTIME_ROOT,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void
show_error (HgNetworkView *self,
            const char    *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->info_label, message != NULL ? message : "");
  gtk_info_bar_set_revealed (self->info_bar, message != NULL);
}

static void
on_info_bar_response (GtkInfoBar    *bar,
                      int            response,
                      HgNetworkView *self)
{
  show_error (self, NULL);
}

static char *
counters (guint64 packets,
          guint64 bytes)
{
  g_autofree char *size = g_format_size (bytes);
  g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, packets);
  /* TRANSLATORS: packets and bytes through a switch port, "12 pkts, 3.4 kB" */
  return g_strdup_printf (_("%s pkts, %s"), count, size);
}

typedef struct {
  HgNetworkView *self;
  guint          generation;
  char          *name;
} PortsRequest;

static void
ports_request_free (PortsRequest *r)
{
  g_object_unref (r->self);
  g_free (r->name);
  g_free (r);
}

static gboolean
find_switch_row (HgNetworkView *self,
                 const char    *name,
                 GtkTreeIter   *iter)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);

  if (!gtk_tree_model_get_iter_first (model, iter))
    return FALSE;
  do
    {
      g_autofree char *row = NULL;
      gtk_tree_model_get (model, iter, COL_NAME, &row, -1);
      if (g_strcmp0 (row, name) == 0)
        return TRUE;
    }
  while (gtk_tree_model_iter_next (model, iter));
  return FALSE;
}

static void
on_ports (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  PortsRequest *r = user_data;
  HgNetworkView *self = r->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ports = hg_switch_list_ports_finish (HG_SWITCH (source), result, &error);
  GtkTreeIter parent;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      r->generation != self->generation || !find_switch_row (self, r->name, &parent))
    {
      ports_request_free (r);
      return;
    }
  if (ports == NULL)
    {
      gtk_tree_store_set (self->store, &parent, COL_WHO, error->message, -1);
      ports_request_free (r);
      return;
    }
  for (guint i = 0; i < ports->len; i++)
    {
      HgSwitchPort *port = g_ptr_array_index (ports, i);
      for (guint e = 0; e < port->endpoints->len; e++)
        {
          HgSwitchEndpoint *ep = g_ptr_array_index (port->endpoints, e);
          g_autofree char *num = g_strdup_printf (_("port %u"), port->number);
          g_autofree char *who = NULL;
          g_autofree char *in = counters (port->in_packets, port->in_bytes);
          g_autofree char *out = counters (port->out_packets, port->out_bytes);
          GtkTreeIter child;

          if (ep->vm_label != NULL)
            who = g_strdup_printf (_("VM %s"), ep->vm_label);
          else
            who = g_strdup_printf ("%s (pid %d)",
                                   ep->program != NULL ? ep->program :
                                   ep->descr != NULL ? ep->descr : "?", (int) ep->pid);
          gtk_tree_store_append (self->store, &child, &parent);
          gtk_tree_store_set (self->store, &child, COL_NAME, num, COL_WHO, who,
                              COL_IN, in, COL_OUT, out, -1);
        }
    }
  gtk_tree_view_expand_all (self->tree);
  ports_request_free (r);
}

static void on_link_changed (HgSwitch *sw, HgNetworkView *self);

static HgSwitch *
get_switch (HgNetworkView *self,
            const char    *name)
{
  HgSwitch *sw = g_hash_table_lookup (self->switches, name);

  if (sw == NULL)
    {
      sw = hg_switch_new (self->runtime_root, name);
      g_signal_connect_object (sw, "link-down", G_CALLBACK (on_link_changed), self, 0);
      g_signal_connect_object (sw, "link-up", G_CALLBACK (on_link_changed), self, 0);
      g_signal_connect_object (sw, "stopped", G_CALLBACK (on_link_changed), self, 0);
      hg_switch_watch (sw);
      g_hash_table_insert (self->switches, g_strdup (name), sw);
    }
  return sw;
}

static void
on_link_changed (HgSwitch      *sw,
                 HgNetworkView *self)
{
  const char *name = hg_switch_get_name (sw);

  if (hg_switch_get_running (sw))
    g_hash_table_remove (self->link_down, name);
  else
    g_hash_table_add (self->link_down, g_strdup (name));
  hg_network_view_refresh (self);
}

/* hgtap devices, from sysfs (readable without root) */
static void
refresh_taps (HgNetworkView *self)
{
  g_autoptr(GDir) dir = g_dir_open ("/sys/class/net", 0, NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  const char *name;

  if (!g_file_test ("/dev/net/tun", G_FILE_TEST_EXISTS))
    g_string_append (text, _("The tun module is not loaded (/dev/net/tun is missing): "
                             "host access is not possible. "));
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *owner_path = NULL;
      g_autofree char *owner = NULL;

      if (!g_str_has_prefix (name, "hgtap"))
        continue;
      owner_path = g_build_filename ("/sys/class/net", name, "owner", NULL);
      if (!g_file_get_contents (owner_path, &owner, NULL, NULL))
        continue;
      g_string_append_printf (text, _("%s (owner uid %s) "), name, g_strstrip (owner));
    }
  if (text->len == 0)
    g_string_append (text, _("No host access: no hgtap device."));
  else
    g_string_prepend (text, _("Host access: "));
  gtk_label_set_text (self->tap_label, text->str);
}

void
hg_network_view_refresh (HgNetworkView *self)
{
  g_auto(GStrv) names = NULL;

  g_return_if_fail (HG_IS_NETWORK_VIEW (self));

  self->generation++;
  gtk_tree_store_clear (self->store);
  names = hg_switch_list_names (self->runtime_root);
  for (guint i = 0; names[i] != NULL; i++)
    {
      HgSwitch *sw = get_switch (self, names[i]);
      GPid pid = hg_switch_find_running (sw);
      g_autofree char *state = NULL;
      GtkTreeIter iter;

      if (pid != 0)
        state = g_strdup_printf (_("running (pid %d)"), (int) pid);
      else if (g_hash_table_contains (self->link_down, names[i]))
        state = g_strdup (_("link down: the switch died"));
      else
        state = g_strdup (_("stopped"));
      gtk_tree_store_append (self->store, &iter, NULL);
      gtk_tree_store_set (self->store, &iter, COL_NAME, names[i], COL_WHO, state, -1);
      if (pid != 0)
        {
          PortsRequest *r = g_new0 (PortsRequest, 1);
          r->self = g_object_ref (self);
          r->generation = self->generation;
          r->name = g_strdup (names[i]);
          hg_switch_list_ports_async (sw, self->cancellable, on_ports, r);
        }
    }
  refresh_taps (self);
}

static void
on_refresh_clicked (HgNetworkView *self)
{
  hg_network_view_refresh (self);
}

static void
on_helper_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HgNetworkView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = hg_net_helper_run_finish (result, &error);

  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), TRUE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  show_error (self, error != NULL ? error->message : NULL);
  hg_network_view_refresh (self);
}

static void
run_helper (HgNetworkView *self,
            const char    *verb,
            const char    *tap)
{
  const char *args[] = { verb, tap, NULL };

  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), FALSE);
  hg_net_helper_run_async (self->caps, args, self->cancellable, on_helper_done, g_object_ref (self));
}

static char *
own_tap (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/sys/class/net", 0, NULL);
  g_autofree char *uid = g_strdup_printf ("%u", (guint) getuid ());
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/sys/class/net", name, "owner", NULL);
      g_autofree char *owner = NULL;
      if (g_str_has_prefix (name, "hgtap") && g_file_get_contents (path, &owner, NULL, NULL) &&
          g_str_equal (g_strstrip (owner), uid))
        return g_strdup (name);
    }
  return NULL;
}

static void
on_create_clicked (HgNetworkView *self)
{
  for (guint n = 0; n < 10000; n++)
    {
      g_autofree char *name = g_strdup_printf ("hgtap%u", n);
      g_autofree char *path = g_build_filename ("/sys/class/net", name, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          run_helper (self, "create-tap", name);
          return;
        }
    }
  show_error (self, _("Every hgtap name is taken"));
}

static void
on_remove_clicked (HgNetworkView *self)
{
  g_autofree char *tap = own_tap ();

  if (tap == NULL)
    {
      show_error (self, _("You have no host access device (hgtapN) to remove"));
      return;
    }
  run_helper (self, "delete-tap", tap);
}

const char *
hg_network_view_get_error (HgNetworkView *self)
{
  g_return_val_if_fail (HG_IS_NETWORK_VIEW (self), NULL);
  return self->error;
}

static gboolean
dump_row (GtkTreeModel *model,
          GtkTreePath  *path,
          GtkTreeIter  *iter,
          gpointer      data)
{
  g_autofree char *name = NULL, *who = NULL, *in = NULL, *out = NULL;
  GtkTreeIter parent;
  g_autofree char *sw = NULL;

  gtk_tree_model_get (model, iter, COL_NAME, &name, COL_WHO, &who, COL_IN, &in, COL_OUT, &out, -1);
  if (gtk_tree_model_iter_parent (model, &parent, iter))
    gtk_tree_model_get (model, &parent, COL_NAME, &sw, -1);
  g_string_append_printf (data, "%s|%s|%s|%s|%s\n", sw != NULL ? sw : name,
                          sw != NULL ? name : "", who != NULL ? who : "",
                          in != NULL ? in : "", out != NULL ? out : "");
  return FALSE;
}

char *
hg_network_view_dump (HgNetworkView *self)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (HG_IS_NETWORK_VIEW (self), NULL);
  gtk_tree_model_foreach (GTK_TREE_MODEL (self->store), dump_row, text);
  g_string_append_printf (text, "taps: %s\n", gtk_label_get_text (self->tap_label));
  return g_string_free (text, FALSE);
}

static void
hg_network_view_constructed (GObject *object)
{
  HgNetworkView *self = HG_NETWORK_VIEW (object);

  G_OBJECT_CLASS (hg_network_view_parent_class)->constructed (object);
  if (self->runtime_root == NULL)
    self->runtime_root = hg_runtime_root ();
  hg_network_view_refresh (self);
}

static void
hg_network_view_dispose (GObject *object)
{
  HgNetworkView *self = HG_NETWORK_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->switches, g_hash_table_unref);
  g_clear_pointer (&self->link_down, g_hash_table_unref);
  g_clear_pointer (&self->caps, hg_host_caps_unref);
  G_OBJECT_CLASS (hg_network_view_parent_class)->dispose (object);
}

static void
hg_network_view_finalize (GObject *object)
{
  HgNetworkView *self = HG_NETWORK_VIEW (object);

  g_free (self->runtime_root);
  g_free (self->error);
  G_OBJECT_CLASS (hg_network_view_parent_class)->finalize (object);
}

static void
hg_network_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  HgNetworkView *self = HG_NETWORK_VIEW (object);

  switch (prop_id)
    {
    case PROP_RUNTIME_ROOT:
      self->runtime_root = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_network_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  HgNetworkView *self = HG_NETWORK_VIEW (object);

  switch (prop_id)
    {
    case PROP_RUNTIME_ROOT:
      g_value_set_string (value, self->runtime_root);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_network_view_class_init (HgNetworkViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hg_network_view_constructed;
  object_class->dispose = hg_network_view_dispose;
  object_class->finalize = hg_network_view_finalize;
  object_class->set_property = hg_network_view_set_property;
  object_class->get_property = hg_network_view_get_property;

  properties[PROP_RUNTIME_ROOT] =
    g_param_spec_string ("runtime-root", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-network-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HgNetworkView, info_bar);
  gtk_widget_class_bind_template_child (widget_class, HgNetworkView, info_label);
  gtk_widget_class_bind_template_child (widget_class, HgNetworkView, store);
  gtk_widget_class_bind_template_child (widget_class, HgNetworkView, tree);
  gtk_widget_class_bind_template_child (widget_class, HgNetworkView, tap_label);
  gtk_widget_class_bind_template_child (widget_class, HgNetworkView, create_button);
  gtk_widget_class_bind_template_child (widget_class, HgNetworkView, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, on_info_bar_response);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_create_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
}

static void
hg_network_view_init (HgNetworkView *self)
{
  self->switches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->link_down = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hg_network_view_new (const char *runtime_root,
                     HgHostCaps *caps)
{
  HgNetworkView *self = g_object_new (HG_TYPE_NETWORK_VIEW, "runtime-root", runtime_root, NULL);

  if (caps != NULL)
    self->caps = hg_host_caps_ref (caps);
  return GTK_WIDGET (self);
}
