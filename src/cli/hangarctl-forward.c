/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hg-vm-forwards.h"
#include "hg-vm.h"

/*
 * hangarctl forward VM list|add|remove [tcp:|udp:][ADDR:]HOSTPORT:GUESTPORT
 *
 * The port forwards of a VM's user-mode NIC, from its config; add and
 * remove change the config and, while the VM runs, its QEMU at once
 * (hg-vm-forwards.h).
 */

static int
forward_exit_code (const GError *error)
{
  if (error->domain != HG_FORWARD_ERROR)
    return -1;
  switch ((HgForwardError) error->code)
    {
    case HG_FORWARD_ERROR_INVALID:
      return HG_EXIT_USAGE;
    case HG_FORWARD_ERROR_NOT_FOUND:
      return HG_EXIT_NOT_FOUND;
    case HG_FORWARD_ERROR_NO_USER_NET:
    case HG_FORWARD_ERROR_IN_USE:
    case HG_FORWARD_ERROR_EXISTS:
      return HG_EXIT_STATE;
    case HG_FORWARD_ERROR_QEMU:
    default:
      return HG_EXIT_FAILURE;
    }
}

static int
forward_fail (const GError *error)
{
  int code = forward_exit_code (error);

  if (code < 0)
    return hg_cli_vm_fail ("forward", error);
  hg_cli_error ("forward", "%s", error->message);
  return code;
}

static void
fwd_json (JsonBuilder *b,
          gpointer     item,
          gpointer     user_data)
{
  HgHostFwd *f = item;
  g_autofree char *reach = hg_host_fwd_reach_text (f);

  hg_cli_json_add_string (b, "proto", f->proto);
  hg_cli_json_add_string (b, "address", f->address != NULL ? f->address
                                                           : HG_HOST_FWD_DEFAULT_ADDRESS);
  hg_cli_json_add_int (b, "host-port", f->host_port);
  hg_cli_json_add_int (b, "guest-port", f->guest_port);
  hg_cli_json_add_string (b, "name", f->name);
  hg_cli_json_add_string (b, "reach", reach);
}

static int
forward_list (HgCliContext *ctx,
              HgVmConfig   *config,
              gint          nic)
{
  g_autoptr(GError) error = NULL;
  HgNic *n;
  gint index = hg_vm_config_forward_nic (config, nic, &error);

  if (index < 0)
    return forward_fail (error);
  n = g_ptr_array_index (config->nics, index);
  if (ctx->json)
    {
      hg_cli_print_json_array (n->hostfwd, fwd_json, NULL);
      return HG_EXIT_OK;
    }
  if (n->hostfwd->len == 0)
    {
      g_print (_("VM '%s' has no port forwards\n"), config->label);
      return HG_EXIT_OK;
    }
  g_print ("%-5s %-15s %-6s %-6s %-16s %s\n", _("PROTO"), _("ADDRESS"), _("HOST"), _("GUEST"),
           _("NAME"), _("REACH"));
  for (guint i = 0; i < n->hostfwd->len; i++)
    {
      HgHostFwd *f = g_ptr_array_index (n->hostfwd, i);
      g_autofree char *reach = hg_host_fwd_reach_text (f);

      g_print ("%-5s %-15s %-6u %-6u %-16s %s\n", f->proto,
               f->address != NULL ? f->address : HG_HOST_FWD_DEFAULT_ADDRESS,
               f->host_port, f->guest_port, f->name != NULL ? f->name : "-", reach);
    }
  return HG_EXIT_OK;
}

static int
cli_forward (HgCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autofree char *name = NULL;
  gint nic = -1;
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name,
      N_("add: what the forward is for (shown in lists), e.g. ssh"), N_("NAME") },
    { "nic", 0, 0, G_OPTION_ARG_INT, &nic,
      N_("The user-mode network interface [net:N] (default: the first)"), N_("N") },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GPtrArray) forwards = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean add;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("forward", _("VM list|add|remove [tcp:|udp:][ADDR:]HOSTPORT:GUESTPORT"),
                             _("Lists, adds or removes the port forwards of a VM's user-mode "
                               "network, also while it runs.  The host side listens on "
                               "127.0.0.1 unless an address is given (tcp:0.0.0.0:8080:80); "
                               "ranges like 8000-8010:8000-8010 add one forward per port.  "
                               "remove takes the host port alone too (tcp:2222)."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("forward", argc, 0))
    return HG_EXIT_USAGE;
  if (argc < 3)
    {
      hg_cli_error ("forward", _("list, add or remove?"));
      return HG_EXIT_USAGE;
    }
  if (nic < -1 || nic > 999)
    {
      hg_cli_error ("forward", _("--nic: %d is not a network interface number (0–999)"), nic);
      return HG_EXIT_USAGE;
    }

  if (g_str_equal (argv[2], "list"))
    {
      if (argc != 3)
        {
          hg_cli_error ("forward", _("too many arguments; see “hangarctl %s --help”"), "forward");
          return HG_EXIT_USAGE;
        }
      config = hg_cli_lookup_vm (ctx, "forward", local_bases, argv[1], &status);
      if (config == NULL)
        return status;
      return forward_list (ctx, config, nic);
    }
  if (!g_str_equal (argv[2], "add") && !g_str_equal (argv[2], "remove"))
    {
      hg_cli_error ("forward", _("unknown action “%s” (list, add or remove)"), argv[2]);
      return HG_EXIT_USAGE;
    }
  add = g_str_equal (argv[2], "add");
  if (argc < 4)
    {
      hg_cli_error ("forward", _("which forward? e.g. tcp:2222:22"));
      return HG_EXIT_USAGE;
    }
  if (!add && name != NULL)
    {
      hg_cli_error ("forward", _("--name is for add"));
      return HG_EXIT_USAGE;
    }
  /* every forward is checked before anything changes */
  forwards = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_host_fwd_free);
  for (int i = 3; i < argc; i++)
    {
      GPtrArray *some = hg_host_fwd_parse (argv[i], name, !add, &error);

      if (some == NULL)
        return forward_fail (error);
      g_ptr_array_extend_and_steal (forwards, some);
    }

  vm = hg_cli_open_vm (ctx, "forward", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  if (add)
    hg_vm_forwards_add_async (vm, forwards, nic, NULL, hg_cli_store_result, &result);
  else
    hg_vm_forwards_remove_async (vm, forwards, nic, NULL, hg_cli_store_result, &result);
  if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
    return forward_fail (error);
  for (guint i = 0; i < forwards->len; i++)
    {
      HgHostFwd *f = g_ptr_array_index (forwards, i);
      g_autofree char *reach = hg_host_fwd_reach_text (f);

      if (add)
        g_print (hg_vm_is_active (vm) ? _("Forwarding %s:%u/%s to guest port %u (now and at "
                                          "every start): %s\n")
                                      : _("Forwarding %s:%u/%s to guest port %u from the next "
                                          "start: %s\n"),
                 f->address != NULL ? f->address : HG_HOST_FWD_DEFAULT_ADDRESS, f->host_port,
                 f->proto, f->guest_port, reach);
      else
        g_print (_("Removed the forward of host port %u/%s\n"), f->host_port, f->proto);
    }
  if (hg_vm_is_active (vm))
    hg_vm_detach (vm);
  return HG_EXIT_OK;
}

const HgCliCommand hg_cli_forward_commands[] = {
  { "forward", N_("List, add or remove port forwards (also while the VM runs)"), cli_forward },
  { NULL }
};
