/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hg-process.h"
#include "hg-vm-shares.h"
#include "hg-virtiofsd.h"

/*
 * hangarctl share VM list|add|remove HOSTDIR [--tag TAG] [--readonly]
 *
 * A VM's shared folders, in its config (hg-vm-shares.h); a change made
 * while the VM runs takes effect at its next start.
 */

static int
share_fail (const GError *error)
{
  if (error->domain == HG_SHARE_ERROR)
    {
      hg_cli_error ("share", "%s", error->message);
      switch ((HgShareErrorCode) error->code)
        {
        case HG_SHARE_ERROR_INVALID:
        case HG_SHARE_ERROR_FOLDER:
          return HG_EXIT_USAGE;
        case HG_SHARE_ERROR_NOT_FOUND:
          return HG_EXIT_NOT_FOUND;
        case HG_SHARE_ERROR_EXISTS:
          return HG_EXIT_STATE;
        case HG_SHARE_ERROR_UNSUPPORTED:
        default:
          return HG_EXIT_FAILURE;
        }
    }
  return hg_cli_fail ("share", error);
}

static const char *
transport_name (const HgShare *share)
{
  return hg_share_effective_transport (share) == HG_SHARE_VIRTIOFS ? "virtiofs" : "9p";
}

static void
share_json (JsonBuilder *b,
            gpointer     item,
            gpointer     user_data)
{
  HgShare *s = item;
  g_autofree char *mount = hg_share_mount_command (s);

  hg_cli_json_add_string (b, "path", s->path);
  hg_cli_json_add_string (b, "tag", s->tag);
  hg_cli_json_add_bool (b, "readonly", s->readonly);
  hg_cli_json_add_string (b, "transport", hg_share_transport_to_string (s->transport));
  hg_cli_json_add_string (b, "uses", transport_name (s));
  hg_cli_json_add_string (b, "mount", mount);
}

static int
share_list (HgCliContext *ctx,
            HgVmConfig   *config)
{
  if (ctx->json)
    {
      hg_cli_print_json_array (config->shares, share_json, NULL);
      return HG_EXIT_OK;
    }
  if (config->shares->len == 0)
    {
      g_print (_("VM '%s' has no shared folders\n"), config->label);
      return HG_EXIT_OK;
    }
  g_print ("%-16s %-4s %-9s %-32s %s\n", _("TAG"), _("MODE"), _("TRANSPORT"), _("FOLDER"),
           _("MOUNT IN THE GUEST"));
  for (guint i = 0; i < config->shares->len; i++)
    {
      HgShare *s = g_ptr_array_index (config->shares, i);
      g_autofree char *mount = hg_share_mount_command (s);

      g_print ("%-16s %-4s %-9s %-32s %s\n", s->tag, s->readonly ? "ro" : "rw",
               transport_name (s), s->path, mount);
    }
  return HG_EXIT_OK;
}

static gboolean
vm_runs (HgVmConfig *config)
{
  g_autoptr(HgRuntimePaths) paths = hg_process_runtime_paths_for_config (config, NULL);

  return hg_process_find_running (paths) != 0;
}

static int
cli_share (HgCliContext *ctx,
           int           argc,
           char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autofree char *tag = NULL;
  g_autofree char *transport = NULL;
  gboolean readonly = FALSE;
  GOptionEntry entries[] = {
    { "tag", 0, 0, G_OPTION_ARG_STRING, &tag,
      N_("add: the mount tag the guest names it by (default: the folder's name)"), N_("TAG") },
    { "readonly", 0, 0, G_OPTION_ARG_NONE, &readonly,
      N_("add: the guest may read, not write"), NULL },
    { "transport", 0, 0, G_OPTION_ARG_STRING, &transport,
      N_("add: auto (default), virtiofs or 9p"), N_("TRANSPORT") },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("share", _("VM list|add|remove HOSTDIR"),
                             _("Lists, adds or removes the host folders a VM shares with its "
                               "guest.  virtiofs where virtiofsd can run for you, 9p otherwise "
                               "and for read-only shares; the guest mounts a share by its tag "
                               "(list shows the command).  A change made while the VM runs "
                               "takes effect at its next start.  remove takes the tag or the "
                               "folder."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("share", argc, 0))
    return HG_EXIT_USAGE;
  if (argc < 3)
    {
      hg_cli_error ("share", _("list, add or remove?"));
      return HG_EXIT_USAGE;
    }
  if (!g_str_equal (argv[2], "list") && !g_str_equal (argv[2], "add") &&
      !g_str_equal (argv[2], "remove"))
    {
      hg_cli_error ("share", _("unknown action “%s” (list, add or remove)"), argv[2]);
      return HG_EXIT_USAGE;
    }
  if (argc != (g_str_equal (argv[2], "list") ? 3 : 4))
    {
      hg_cli_error ("share", g_str_equal (argv[2], "list")
                               ? _("too many arguments; see “hangarctl %s --help”")
                               : _("which folder? one HOSTDIR; see “hangarctl %s --help”"),
                    "share");
      return HG_EXIT_USAGE;
    }
  if (!g_str_equal (argv[2], "add") && (tag != NULL || readonly || transport != NULL))
    {
      hg_cli_error ("share", _("--tag, --readonly and --transport are for add"));
      return HG_EXIT_USAGE;
    }

  config = hg_cli_lookup_vm (ctx, "share", local_bases, argv[1], &status);
  if (config == NULL)
    return status;
  if (g_str_equal (argv[2], "list"))
    return share_list (ctx, config);

  if (g_str_equal (argv[2], "add"))
    {
      /* HOSTDIR is the user's: relative to where they are */
      g_autofree char *folder = g_canonicalize_filename (argv[3], NULL);
      g_autofree char *default_tag = hg_share_default_tag (folder);
      g_autoptr(HgVmConfig) saved = NULL;
      HgShare share = { folder, tag != NULL ? tag : default_tag, readonly, HG_SHARE_AUTO, NULL };
      HgShare *added;
      g_autofree char *mount = NULL;

      if (transport != NULL && !hg_share_transport_from_string (transport, &share.transport))
        {
          hg_cli_error ("share", _("--transport: “%s” is not auto, virtiofs or 9p"), transport);
          return HG_EXIT_USAGE;
        }
      if (!hg_vm_shares_add (config->path, &share, &error))
        return share_fail (error);
      saved = hg_vm_config_load (config->path, NULL);
      added = saved != NULL && saved->shares->len > 0
                ? g_ptr_array_index (saved->shares, saved->shares->len - 1) : &share;
      mount = hg_share_mount_command (added);
      g_print (_("Sharing %s as “%s” (%s, %s)\n"), added->path, added->tag,
               added->readonly ? _("read-only") : _("read-write"), transport_name (added));
      if (vm_runs (config))
        g_print (_("VM '%s' is running: the share takes effect at the next start\n"),
                 config->label);
      g_print (_("In the guest: %s\n"), mount);
      return HG_EXIT_OK;
    }

  {
    g_autoptr(GError) local = NULL;
    HgShare *removed = NULL;

    if (!hg_vm_shares_remove (config->path, argv[3], &removed, &local))
      return share_fail (local);
    g_print (_("Removed the share “%s” (%s)\n"), removed->tag, removed->path);
    if (vm_runs (config))
      g_print (_("VM '%s' is running: the guest keeps it until the next start\n"),
               config->label);
    hg_share_free (removed);
  }
  return HG_EXIT_OK;
}

const HgCliCommand hg_cli_share_commands[] = {
  { "share", N_("List, add or remove shared folders (virtiofs or 9p)"), cli_share },
  { NULL }
};
