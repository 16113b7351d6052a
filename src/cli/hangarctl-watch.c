/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hg-runtime.h"
#include "hg-ssh.h"
#include "hg-switch.h"
#include "hg-vm-manager.h"

/*
 * The protocol commands (docs/protocol.md): version, watch and sockets.
 *
 * `hangarctl watch --json` is a view over an HgVmManager like the window's
 * tree: a hello line, the list once loaded, then one line per change, each
 * line one JSON object.  It ends when its standard input, a pipe or socket
 * (ssh's channel), ends: no hangarctl stays on a host after its client went.
 *
 * So a tree of 20 hosts x 200 VMs is filled by 20 streams and never polls.
 * What bounds it: one remote HgVmManager (a scan, a QMP connection per
 * running VM), one ssh channel and one process per host on each side;
 * beyond some hundred hosts a window would want a relay per site that
 * merges streams, beyond some thousand VMs per host a stream that sends
 * only what a view shows.
 */

/* ---- version ---------------------------------------------------------------- */

static void
version_members (JsonBuilder *b)
{
  hg_cli_json_add_string (b, "program", "hangarctl");
  hg_cli_json_add_string (b, "version", PACKAGE_VERSION);
  hg_cli_json_add_int (b, "protocol", HG_PROTOCOL_VERSION);
  hg_cli_json_add_int (b, "protocol-min", HG_PROTOCOL_MIN);
}

static int
cli_version (HgCliContext *ctx,
             int           argc,
             char        **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!hg_cli_parse_options ("version", "", _("Prints the version of Hangar and of its JSON "
                                               "protocol (docs/protocol.md)."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc > 1)
    {
      hg_cli_error ("version", _("unexpected argument '%s'"), argv[1]);
      return HG_EXIT_USAGE;
    }
  if (json || ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      version_members (b);
      json_builder_end_object (b);
      hg_cli_print_json (b);
    }
  else
    g_print ("hangarctl %s (protocol %d)\n", PACKAGE_VERSION, HG_PROTOCOL_VERSION);
  return HG_EXIT_OK;
}

/* ---- sockets ------------------------------------------------------------------ */

static int
cli_sockets (HgCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const HgRuntimePaths *paths;
  gboolean active;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("sockets", _("VM"),
                             _("Prints the state of a VM and the UNIX sockets of its consoles "
                               "(serial, VNC display, HMP monitor), as JSON."),
                             hg_cli_base_entry (&local_bases), &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("sockets", argc, 2))
    return HG_EXIT_USAGE;
  vm = hg_cli_open_vm (ctx, "sockets", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  active = hg_vm_is_active (vm);
  paths = hg_vm_get_runtime_paths (vm);

  json_builder_begin_object (b);
  hg_cli_json_add_string (b, "label", hg_vm_get_label (vm));
  hg_cli_json_add_string (b, "path", hg_vm_get_config (vm)->path);
  hg_cli_json_add_string (b, "state", hg_vm_get_state_name (vm));
  hg_cli_json_add_bool (b, "active", active);
  hg_cli_json_add_string (b, "serial", active && hg_vm_get_config (vm)->serial
                                         ? hg_vm_get_serial_path (vm) : NULL);
  hg_cli_json_add_string (b, "vnc", active && hg_vm_get_config (vm)->console == HG_CONSOLE_VNC
                                      ? paths->vnc : NULL);
  hg_cli_json_add_string (b, "monitor", active ? paths->monitor : NULL);
  json_builder_end_object (b);
  hg_cli_print_json (b);
  if (active)
    hg_vm_detach (vm);
  return HG_EXIT_OK;
}

/* ---- watch ---------------------------------------------------------------------- */

typedef struct {
  HgVmManager  *manager;
  GPtrArray    *mirror;        /* the model as last reported (HgVm refs) */
  GStrv         bases;
  char         *root;
  GFileMonitor *switches_monitor;
  GHashTable   *switch_monitors;   /* name → GFileMonitor of its folder */
  GHashTable   *switches;          /* name → GINT_TO_POINTER (running + 1) */
  GMainLoop    *loop;
  guint         input_source;
  gboolean      listed;
  int           status;
} Watch;

static void
emit (Watch       *w,
      JsonBuilder *b)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = NULL;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  /* a client that went: end (the write fails with EPIPE once SIGPIPE is
   * ignored) */
  if (fprintf (stdout, "%s\n", text) < 0 || fflush (stdout) != 0)
    {
      w->status = HG_EXIT_FAILURE;
      g_main_loop_quit (w->loop);
    }
}

/* base and folder of a VM directory (base/folder/label) */
static void
vm_place (Watch       *w,
          HgVmConfig  *c,
          char       **base,
          char       **folder)
{
  for (guint i = 0; w->bases != NULL && w->bases[i] != NULL; i++)
    {
      g_autofree char *prefix = g_strconcat (w->bases[i], G_DIR_SEPARATOR_S, NULL);

      if (c->dir != NULL && g_str_has_prefix (c->dir, prefix))
        {
          g_autofree char *parent = g_path_get_dirname (c->dir + strlen (prefix));

          *base = g_strdup (w->bases[i]);
          *folder = g_str_equal (parent, ".") ? g_strdup ("") : g_steal_pointer (&parent);
          return;
        }
    }
  *base = NULL;
  *folder = g_strdup ("");
}

/* The members of a VM: those of `list --json` (docs/protocol.md) plus
 * what a live view knows */
static void
vm_members (Watch       *w,
            JsonBuilder *b,
            HgVm        *vm)
{
  HgVmConfig *c = hg_vm_get_config (vm);
  g_autofree char *base = NULL;
  g_autofree char *folder = NULL;

  vm_place (w, c, &base, &folder);
  hg_cli_json_add_string (b, "label", c->label);
  hg_cli_json_add_string (b, "folder", folder);
  hg_cli_json_add_string (b, "base", base);
  hg_cli_json_add_string (b, "path", c->path);
  hg_cli_json_add_string (b, "state", hg_vm_get_state_name (vm));
  if (hg_vm_get_state_reason (vm) != NULL)
    hg_cli_json_add_string (b, "state-reason", hg_vm_get_state_reason (vm));
  if (hg_vm_get_pid (vm) > 0)
    hg_cli_json_add_int (b, "pid", hg_vm_get_pid (vm));
  hg_cli_json_add_string (b, "uuid", c->uuid);
  if (hg_vm_get_same_uuid_as (vm) != NULL)
    hg_cli_json_add_string (b, "same-uuid-as", hg_vm_get_same_uuid_as (vm));
  hg_cli_json_add_string (b, "arch", c->arch);
  hg_cli_json_add_string (b, "accel", hg_accel_to_string (c->accel));
  if (hg_vm_get_accel_in_use (vm) != NULL)
    hg_cli_json_add_string (b, "accel-in-use", hg_vm_get_accel_in_use (vm));
  hg_cli_json_add_int (b, "memory-mib", c->memory_mib);
  hg_cli_json_add_int (b, "cpus", c->cpus);
  hg_cli_json_add_string (b, "os", c->os_name != NULL ? c->os_name : c->os_id);
  hg_cli_json_add_bool (b, "config-stale", hg_vm_get_config_stale (vm));
}

static void
vm_event (Watch      *w,
          const char *event,
          HgVm       *vm)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  hg_cli_json_add_string (b, "event", event);
  json_builder_set_member_name (b, "vm");
  json_builder_begin_object (b);
  vm_members (w, b, vm);
  json_builder_end_object (b);
  json_builder_end_object (b);
  emit (w, b);
}

static void
add_switches (JsonBuilder *b,
              Watch       *w)
{
  g_autoptr(GList) names = g_hash_table_get_keys (w->switches);

  names = g_list_sort (names, (GCompareFunc) g_strcmp0);
  json_builder_set_member_name (b, "switches");
  json_builder_begin_array (b);
  for (GList *l = names; l != NULL; l = l->next)
    {
      json_builder_begin_object (b);
      hg_cli_json_add_string (b, "name", l->data);
      hg_cli_json_add_bool (b, "running", GPOINTER_TO_INT (g_hash_table_lookup (w->switches, l->data)) == 2);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
emit_list (Watch *w)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GPtrArray *entries = hg_vm_manager_get_entries (w->manager);

  json_builder_begin_object (b);
  hg_cli_json_add_string (b, "event", "list");
  json_builder_set_member_name (b, "vms");
  json_builder_begin_array (b);
  for (guint i = 0; i < w->mirror->len; i++)
    {
      json_builder_begin_object (b);
      vm_members (w, b, g_ptr_array_index (w->mirror, i));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* configs that do not load: listed with their error, as by list --json */
  json_builder_set_member_name (b, "broken");
  json_builder_begin_array (b);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      HgLibraryEntry *e = g_ptr_array_index (entries, i);

      if (e->config != NULL)
        continue;
      json_builder_begin_object (b);
      hg_cli_json_add_string (b, "label", e->label);
      hg_cli_json_add_string (b, "folder", e->folder);
      hg_cli_json_add_string (b, "base", e->base);
      hg_cli_json_add_string (b, "path", e->path);
      hg_cli_json_add_string (b, "state", "broken");
      hg_cli_json_add_string (b, "error", e->error != NULL ? e->error->message : NULL);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_switches (b, w);
  json_builder_end_object (b);
  emit (w, b);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Watch      *w)
{
  g_autoptr(GHashTable) gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < removed; i++)
    {
      HgVm *vm = g_ptr_array_index (w->mirror, position + i);

      g_hash_table_replace (gone, g_strdup (hg_vm_get_config (vm)->path), g_object_ref (vm));
    }
  g_ptr_array_remove_range (w->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    {
      HgVm *vm = g_list_model_get_item (model, position + i);

      g_ptr_array_insert (w->mirror, (int) (position + i), g_object_ref (vm));
      g_ptr_array_add (fresh, vm);
    }
  if (!w->listed)
    return;
  /* a VM made anew from its edited config is a change, not a removal */
  for (guint i = 0; i < fresh->len; i++)
    {
      HgVm *vm = g_ptr_array_index (fresh, i);
      gboolean again = g_hash_table_remove (gone, hg_vm_get_config (vm)->path);

      vm_event (w, again ? "vm-changed" : "vm-added", vm);
    }
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, gone);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        g_autoptr(JsonBuilder) b = json_builder_new ();

        json_builder_begin_object (b);
        hg_cli_json_add_string (b, "event", "vm-removed");
        hg_cli_json_add_string (b, "path", key);
        hg_cli_json_add_string (b, "label", hg_vm_get_label (value));
        json_builder_end_object (b);
        emit (w, b);
      }
  }
}

static void
on_vm_notify (HgVmManager *manager,
              HgVm        *vm,
              GParamSpec  *pspec,
              Watch       *w)
{
  const char *name = g_param_spec_get_name (pspec);

  if (!w->listed || g_str_equal (name, "uptime") || g_str_equal (name, "log-tail"))
    return;
  if (g_str_equal (name, "state"))
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      hg_cli_json_add_string (b, "event", "state");
      hg_cli_json_add_string (b, "path", hg_vm_get_config (vm)->path);
      hg_cli_json_add_string (b, "label", hg_vm_get_label (vm));
      hg_cli_json_add_string (b, "state", hg_vm_get_state_name (vm));
      hg_cli_json_add_string (b, "reason", hg_vm_get_state_reason (vm));
      if (hg_vm_get_state (vm) == HG_VM_STATE_CRASHED)
        hg_cli_json_add_string (b, "log-tail", hg_vm_get_log_tail (vm));
      json_builder_end_object (b);
      emit (w, b);
      return;
    }
  vm_event (w, "vm-changed", vm);
}

/* ---- switches --------------------------------------------------------------------- */

static void on_switch_dir_changed (GFileMonitor *monitor, GFile *file, GFile *other,
                                   GFileMonitorEvent event, Watch *w);

static void
switch_event (Watch      *w,
              const char *name,
              int         now)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  hg_cli_json_add_string (b, "event", now == 0 ? "switch-removed" : "switch");
  hg_cli_json_add_string (b, "name", name);
  if (now != 0)
    hg_cli_json_add_bool (b, "running", now == 2);
  json_builder_end_object (b);
  emit (w, b);
}

/* Looks at the switches again; an event for each that changed */
static void
rescan_switches (Watch *w)
{
  g_auto(GStrv) names = hg_switch_list_names (w->root);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(HgSwitch) sw = hg_switch_new (w->root, names[i]);
      int now = hg_switch_get_running (sw) ? 2 : 1;
      int before = GPOINTER_TO_INT (g_hash_table_lookup (w->switches, names[i]));

      g_hash_table_add (seen, names[i]);
      if (!g_hash_table_contains (w->switch_monitors, names[i]))
        {
          g_autoptr(GFile) dir = g_file_new_for_path (hg_switch_get_dir (sw));
          GFileMonitor *m = g_file_monitor_directory (dir, G_FILE_MONITOR_NONE, NULL, NULL);

          if (m != NULL)
            {
              g_signal_connect (m, "changed", G_CALLBACK (on_switch_dir_changed), w);
              g_hash_table_insert (w->switch_monitors, g_strdup (names[i]), m);
            }
        }
      if (now != before)
        {
          g_hash_table_insert (w->switches, g_strdup (names[i]), GINT_TO_POINTER (now));
          if (w->listed)
            switch_event (w, names[i], now);
        }
    }
  g_hash_table_iter_init (&iter, w->switches);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (seen, key))
      g_ptr_array_add (gone, g_strdup (key));
  for (guint i = 0; i < gone->len; i++)
    {
      const char *name = g_ptr_array_index (gone, i);

      g_hash_table_remove (w->switches, name);
      g_hash_table_remove (w->switch_monitors, name);
      if (w->listed)
        switch_event (w, name, 0);
    }
}

static void
on_switch_dir_changed (GFileMonitor      *monitor,
                       GFile             *file,
                       GFile             *other,
                       GFileMonitorEvent  event,
                       Watch             *w)
{
  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_CREATED ||
      event == G_FILE_MONITOR_EVENT_DELETED || event == G_FILE_MONITOR_EVENT_MOVED_IN ||
      event == G_FILE_MONITOR_EVENT_MOVED_OUT || event == G_FILE_MONITOR_EVENT_RENAMED)
    rescan_switches (w);
}

/* ---- the stream ------------------------------------------------------------------- */

static void
on_loaded (HgVmManager *manager,
           Watch       *w)
{
  if (w->listed)
    return;
  rescan_switches (w);
  emit_list (w);
  w->listed = TRUE;
}

static gboolean
on_input (int           fd,
          GIOCondition  condition,
          Watch        *w)
{
  char buf[256];
  gssize n = read (fd, buf, sizeof buf);

  if (n < 0 && errno == EINTR)
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* the client went */
      w->input_source = 0;
      g_main_loop_quit (w->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;   /* input means nothing (yet) */
}

static int
cli_watch (HgCliContext *ctx,
           int           argc,
           char        **argv)
{
  gboolean json = FALSE;
  g_auto(GStrv) local_bases = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON (the only format)"), NULL },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_autoptr(JsonBuilder) hello = json_builder_new ();
  g_autoptr(GFile) switches_dir = NULL;
  g_autofree char *switches_path = NULL;
  Watch w = { 0 };
  struct stat st;
  gboolean explicit = FALSE;

  if (!hg_cli_parse_options ("watch", "",
                             _("Prints the VMs and switches as JSON, one object per line, then "
                               "one line per change until the standard input (a pipe) ends: the "
                               "event stream of docs/protocol.md."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc > 1)
    {
      hg_cli_error ("watch", _("unexpected argument '%s'"), argv[1]);
      return HG_EXIT_USAGE;
    }
  if (!json && !ctx->json)
    {
      hg_cli_error ("watch", _("the event stream is JSON: add --json"));
      return HG_EXIT_USAGE;
    }

  signal (SIGPIPE, SIG_IGN);
  w.bases = hg_cli_effective_bases (ctx, local_bases, &explicit);
  w.root = hg_runtime_root ();
  w.mirror = g_ptr_array_new_with_free_func (g_object_unref);
  w.switches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w.switch_monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  w.loop = g_main_loop_new (NULL, FALSE);
  w.manager = hg_vm_manager_new ((const char * const *) w.bases);

  json_builder_begin_object (hello);
  hg_cli_json_add_string (hello, "event", "hello");
  version_members (hello);
  hg_cli_json_add_string (hello, "host", g_get_host_name ());
  json_builder_end_object (hello);
  emit (&w, hello);

  g_signal_connect (w.manager, "items-changed", G_CALLBACK (on_items_changed), &w);
  g_signal_connect (w.manager, "vm-notify", G_CALLBACK (on_vm_notify), &w);
  g_signal_connect (w.manager, "loaded", G_CALLBACK (on_loaded), &w);

  switches_path = g_build_filename (w.root, "switches", NULL);
  switches_dir = g_file_new_for_path (switches_path);
  if (hg_runtime_ensure_dir (w.root, NULL))
    w.switches_monitor = g_file_monitor_directory (switches_dir, G_FILE_MONITOR_NONE, NULL, NULL);
  if (w.switches_monitor != NULL)
    g_signal_connect (w.switches_monitor, "changed", G_CALLBACK (on_switch_dir_changed), &w);

  /* stdin a pipe or socket (ssh's channel, the window's pipe): its end is
   * the client's */
  if (fstat (STDIN_FILENO, &st) == 0 && (S_ISFIFO (st.st_mode) || S_ISSOCK (st.st_mode)))
    w.input_source = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                  (GUnixFDSourceFunc) on_input, &w);

  if (w.status == HG_EXIT_OK)
    {
      hg_vm_manager_reload (w.manager);
      g_main_loop_run (w.loop);
    }

  g_clear_handle_id (&w.input_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (w.manager, &w);
  /* the VMs go on running: only our QMP connections are let go */
  for (guint i = 0; i < w.mirror->len; i++)
    {
      HgVm *vm = g_ptr_array_index (w.mirror, i);

      if (hg_vm_get_qmp_client (vm) != NULL)
        hg_vm_detach (vm);
    }
  g_clear_object (&w.switches_monitor);
  g_clear_pointer (&w.switch_monitors, g_hash_table_unref);
  g_clear_pointer (&w.switches, g_hash_table_unref);
  g_clear_pointer (&w.mirror, g_ptr_array_unref);
  g_clear_object (&w.manager);
  g_clear_pointer (&w.loop, g_main_loop_unref);
  g_clear_pointer (&w.bases, g_strfreev);
  g_clear_pointer (&w.root, g_free);
  return w.status;
}

const HgCliCommand hg_cli_watch_commands[] = {
  { "version", N_("Print the version of Hangar and of its JSON protocol"), cli_version },
  { "watch", N_("Stream the VMs and their changes as JSON lines (docs/protocol.md)"), cli_watch },
  { "sockets", N_("Print a VM's console sockets as JSON"), cli_sockets },
  { NULL }
};
