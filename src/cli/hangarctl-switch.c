/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hg-runtime.h"
#include "hg-switch.h"

/*
 * hangarctl switch list             [--json]
 * hangarctl switch start [NAME]
 * hangarctl switch stop  [NAME]
 * hangarctl switch ports [NAME]     [--json]
 * NAME defaults to "default", the switch a new VDE NIC uses.
 */

static int
exit_code_for (const GError *error)
{
  if (error->domain != HG_SWITCH_ERROR)
    return HG_EXIT_FAILURE;
  switch ((HgSwitchError) error->code)
    {
    case HG_SWITCH_ERROR_INVALID_NAME:
      return HG_EXIT_USAGE;
    case HG_SWITCH_ERROR_MISSING:
      return HG_EXIT_MISSING;
    case HG_SWITCH_ERROR_NOT_RUNNING:
    case HG_SWITCH_ERROR_BUSY:
      return HG_EXIT_STATE;
    case HG_SWITCH_ERROR_NOT_FOUND:
      return HG_EXIT_NOT_FOUND;
    default:
      return HG_EXIT_FAILURE;
    }
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

static guint
count_active_ports (HgSwitch *sw)
{
  g_autoptr(GPtrArray) ports = hg_switch_list_ports_sync (sw, NULL, NULL);
  guint n = 0;

  if (ports == NULL)
    return 0;
  for (guint i = 0; i < ports->len; i++)
    {
      HgSwitchPort *port = g_ptr_array_index (ports, i);
      if (port->endpoints->len > 0)
        n++;
    }
  return n;
}

static int
cmd_list (HgCliContext *ctx,
          gboolean      json)
{
  g_auto(GStrv) names = hg_switch_list_names (NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (json)
    json_builder_begin_array (builder);
  else
    g_print ("%-20s %-8s %8s %6s\n", _("NAME"), _("STATE"), _("PID"), _("PORTS"));
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(HgSwitch) sw = hg_switch_new (NULL, names[i]);
      GPid pid = hg_switch_find_running (sw);
      guint ports = pid != 0 ? count_active_ports (sw) : 0;

      if (json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, names[i]);
          json_builder_set_member_name (builder, "running");
          json_builder_add_boolean_value (builder, pid != 0);
          json_builder_set_member_name (builder, "pid");
          json_builder_add_int_value (builder, pid);
          json_builder_set_member_name (builder, "ports-in-use");
          json_builder_add_int_value (builder, ports);
          json_builder_set_member_name (builder, "data-socket");
          json_builder_add_string_value (builder, hg_switch_get_data_path (sw));
          json_builder_set_member_name (builder, "management-socket");
          json_builder_add_string_value (builder, hg_switch_get_mgmt_path (sw));
          json_builder_end_object (builder);
        }
      else if (pid != 0)
        g_print ("%-20s %-8s %8d %6u\n", names[i], _("running"), (int) pid, ports);
      else
        g_print ("%-20s %-8s %8s %6s\n", names[i], _("stopped"), "-", "-");
    }
  if (json)
    {
      json_builder_end_array (builder);
      print_json (builder);
    }
  return HG_EXIT_OK;
}

static int
cmd_start (const char *name)
{
  g_autoptr(HgSwitch) sw = hg_switch_new (NULL, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GPid before = hg_switch_find_running (sw);

  /* the task's own deadline ends the wait */
  hg_switch_start_async (sw, NULL, hg_cli_store_result, &result);
  if (!hg_switch_start_finish (sw, hg_cli_wait_result (&result), &error) ||
      !hg_switch_check_answers (sw, &error))
    {
      hg_cli_error ("switch", "%s", error->message);
      return exit_code_for (error);
    }
  if (before != 0)
    g_print (_("Switch '%s' was already running (pid %d), data socket %s\n"),
             name, (int) before, hg_switch_get_data_path (sw));
  else
    g_print (_("Switch '%s' started (pid %d), data socket %s\n"),
             name, (int) hg_switch_find_running (sw), hg_switch_get_data_path (sw));
  return HG_EXIT_OK;
}

static int
cmd_stop (const char *name)
{
  g_autoptr(HgSwitch) sw = hg_switch_new (NULL, name);
  g_autoptr(GError) error = NULL;

  if (!g_file_test (hg_switch_get_dir (sw), G_FILE_TEST_IS_DIR))
    {
      hg_cli_error ("switch", _("There is no switch '%s'"), name);
      return HG_EXIT_NOT_FOUND;
    }
  if (!hg_switch_stop_sync (sw, &error))
    {
      hg_cli_error ("switch", "%s", error->message);
      return exit_code_for (error);
    }
  g_print (_("Switch '%s' stopped\n"), name);
  return HG_EXIT_OK;
}

static int
cmd_ports (const char *name,
           gboolean    json)
{
  g_autoptr(HgSwitch) sw = hg_switch_new (NULL, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ports = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (!g_file_test (hg_switch_get_dir (sw), G_FILE_TEST_IS_DIR))
    {
      hg_cli_error ("switch", _("There is no switch '%s'"), name);
      return HG_EXIT_NOT_FOUND;
    }
  if (hg_switch_find_running (sw) == 0)
    {
      hg_cli_error ("switch", _("Switch '%s' is not running"), name);
      return HG_EXIT_STATE;
    }
  ports = hg_switch_list_ports_sync (sw, NULL, &error);
  if (ports == NULL)
    {
      hg_cli_error ("switch", "%s", error->message);
      return exit_code_for (error);
    }
  if (json)
    json_builder_begin_array (builder);
  else
    g_print ("%-5s %-20s %-16s %8s %12s %12s %12s %12s\n", _("PORT"), _("VM"), _("PROGRAM"),
             _("PID"), _("IN-PKTS"), _("IN-BYTES"), _("OUT-PKTS"), _("OUT-BYTES"));
  for (guint i = 0; i < ports->len; i++)
    {
      HgSwitchPort *port = g_ptr_array_index (ports, i);

      if (port->endpoints->len == 0)
        continue;
      if (json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "port");
          json_builder_add_int_value (builder, port->number);
          json_builder_set_member_name (builder, "vlan");
          json_builder_add_int_value (builder, port->vlan);
          json_builder_set_member_name (builder, "user");
          json_builder_add_string_value (builder, port->user);
          json_builder_set_member_name (builder, "in-packets");
          json_builder_add_int_value (builder, (gint64) port->in_packets);
          json_builder_set_member_name (builder, "in-bytes");
          json_builder_add_int_value (builder, (gint64) port->in_bytes);
          json_builder_set_member_name (builder, "out-packets");
          json_builder_add_int_value (builder, (gint64) port->out_packets);
          json_builder_set_member_name (builder, "out-bytes");
          json_builder_add_int_value (builder, (gint64) port->out_bytes);
          json_builder_set_member_name (builder, "endpoints");
          json_builder_begin_array (builder);
        }
      for (guint e = 0; e < port->endpoints->len; e++)
        {
          HgSwitchEndpoint *ep = g_ptr_array_index (port->endpoints, e);
          if (json)
            {
              json_builder_begin_object (builder);
              json_builder_set_member_name (builder, "id");
              json_builder_add_int_value (builder, ep->id);
              json_builder_set_member_name (builder, "vm");
              if (ep->vm_label != NULL)
                json_builder_add_string_value (builder, ep->vm_label);
              else
                json_builder_add_null_value (builder);
              json_builder_set_member_name (builder, "program");
              json_builder_add_string_value (builder, ep->program);
              json_builder_set_member_name (builder, "description");
              json_builder_add_string_value (builder, ep->descr);
              json_builder_set_member_name (builder, "user");
              json_builder_add_string_value (builder, ep->user);
              json_builder_set_member_name (builder, "pid");
              json_builder_add_int_value (builder, ep->pid);
              json_builder_end_object (builder);
            }
          else
            g_print ("%-5u %-20s %-16s %8d %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
                     " %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT "\n",
                     port->number, ep->vm_label != NULL ? ep->vm_label : "-",
                     ep->program != NULL ? ep->program : (ep->descr != NULL ? ep->descr : "-"),
                     (int) ep->pid, port->in_packets, port->in_bytes,
                     port->out_packets, port->out_bytes);
        }
      if (json)
        {
          json_builder_end_array (builder);
          json_builder_end_object (builder);
        }
    }
  if (json)
    {
      json_builder_end_array (builder);
      print_json (builder);
    }
  return HG_EXIT_OK;
}

static int
cli_switch (HgCliContext *ctx,
            int           argc,
            char        **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  const char *verb;
  const char *name;

  g_autoptr(GOptionContext) context =
    g_option_context_new (_("list|start|stop|ports [NAME]"));

  /* "hangarctl switch [OPTION…] list|start|stop|ports [NAME]", as the others
   * (this file is linked into test-net alone: its own parse) */
  g_set_prgname ("hangarctl switch");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Per-user VDE switches.  NAME defaults to \"default\", the switch a new VDE network "
      "interface uses."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      hg_cli_error ("switch", "%s", error->message);
      return HG_EXIT_USAGE;
    }
  json = json || (ctx != NULL && ctx->json);
  if (argc < 2)
    {
      hg_cli_error ("switch", _("which action? list, start, stop or ports"));
      return HG_EXIT_USAGE;
    }
  verb = argv[1];
  if (g_str_equal (verb, "list"))
    {
      if (argc != 2)
        {
          hg_cli_error ("switch", _("list takes no switch name"));
          return HG_EXIT_USAGE;
        }
      return cmd_list (ctx, json);
    }
  if (!g_str_equal (verb, "start") && !g_str_equal (verb, "stop") && !g_str_equal (verb, "ports"))
    {
      hg_cli_error ("switch", _("unknown action '%s': list, start, stop or ports"), verb);
      return HG_EXIT_USAGE;
    }
  if (argc > 3)
    {
      hg_cli_error ("switch", _("%s takes at most one switch name"), verb);
      return HG_EXIT_USAGE;
    }
  name = argc == 3 ? argv[2] : "default";
  if (!hg_switch_name_is_valid (name, &error))
    {
      hg_cli_error ("switch", "%s", error->message);
      return HG_EXIT_USAGE;
    }
  if (g_str_equal (verb, "start"))
    return cmd_start (name);
  if (g_str_equal (verb, "stop"))
    return cmd_stop (name);
  return cmd_ports (name, json);
}

const HgCliCommand hg_cli_switch_commands[] = {
  { "switch", N_("Per-user VDE switches: list, start, stop, ports [NAME] [--json]"), cli_switch },
  { NULL }
};
