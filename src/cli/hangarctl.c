/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "hangarctl-private.h"

/*
 * hangarctl [--base DIR]... [--json] COMMAND [ARGS]
 *
 * The global options come before the command (the parse stops at the first
 * word that is not an option); each command parses the rest itself.  The
 * command tables live in hangarctl-library.c, hangarctl-vm.c and
 * hangarctl-switch.c.
 */

static const HgCliCommand * const command_tables[] = {
  hg_cli_library_commands,
  hg_cli_vm_commands,
  hg_cli_switch_commands,
  hg_cli_forward_commands,
  hg_cli_disk_commands,
  hg_cli_snapshot_commands,
  hg_cli_share_commands,
  hg_cli_type_commands,
  hg_cli_watch_commands,
};

void
hg_cli_error (const char *command,
              const char *format,
              ...)
{
  g_autofree char *message = NULL;
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  /* one line of text, whatever the message holds: bytes of a non-UTF-8
   * name or path become U+FFFD */
  g_strdelimit (message, "\n\r", ' ');
  text = g_utf8_make_valid (message, -1);
  g_printerr ("hangarctl: %s: %s\n", command, text);
}

/* ---- running the async API to completion -------------------------------- */

void
hg_cli_store_result (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GAsyncResult **slot = user_data;
  *slot = g_object_ref (result);
}

GAsyncResult *
hg_cli_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static const HgCliCommand *
find_command (const char *name)
{
  for (guint t = 0; t < G_N_ELEMENTS (command_tables); t++)
    for (const HgCliCommand *c = command_tables[t]; c->name != NULL; c++)
      if (g_str_equal (c->name, name))
        return c;
  return NULL;
}

static char *
commands_description (void)
{
  g_autoptr(GString) s = g_string_new (_("Commands:"));

  g_string_append_c (s, '\n');
  for (guint t = 0; t < G_N_ELEMENTS (command_tables); t++)
    for (const HgCliCommand *c = command_tables[t]; c->name != NULL; c++)
      g_string_append_printf (s, "  %-14s %s\n", c->name, _(c->summary));
  g_string_append (s, _("\n“hangarctl COMMAND --help” shows the options of a command; "
                        "see hangarctl(1) for the exit codes."));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_auto(GStrv) bases = NULL;
  gboolean json = FALSE;
  gboolean version = FALSE;
  g_autofree char *connect = NULL;
  g_autofree char *remote_hangarctl = NULL;
  g_autofree char *ssh_config = NULL;
  GOptionEntry entries[] = {
    { "base", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &bases,
      N_("Look for VMs under DIR instead of the default library (repeatable)"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print data as JSON"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "connect", 0, 0, G_OPTION_ARG_STRING, &connect,
      N_("Run the command on another host over SSH (ssh://[user@]host[:port] or a Host of "
         "~/.ssh/config)"), N_("DEST") },
    { "remote-hangarctl", 0, 0, G_OPTION_ARG_STRING, &remote_hangarctl,
      N_("With --connect: the path of hangarctl on the remote host (default: on its PATH)"),
      N_("PATH") },
    { "ssh-config", 0, 0, G_OPTION_ARG_FILENAME, &ssh_config,
      N_("With --connect: ssh's configuration file instead of ~/.ssh/config (ssh -F)"),
      N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  const HgCliCommand *command;
  HgCliContext ctx = { NULL, FALSE };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("COMMAND [ARGS…] — manage QEMU virtual machines"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_strict_posix (context, TRUE);   /* stop at the command */
  description = commands_description ();
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      hg_cli_error ("usage", "%s", error->message);
      return HG_EXIT_USAGE;
    }
  if (version)
    {
      g_print ("hangarctl %s\n", PACKAGE_VERSION);
      return HG_EXIT_OK;
    }
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return HG_EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--"))
    {
      argv++;
      argc--;
      if (argc < 2)
        {
          hg_cli_error ("usage", _("no command given"));
          return HG_EXIT_USAGE;
        }
    }

  ctx.bases = bases;
  ctx.json = json;
  if (connect != NULL)
    return hg_cli_remote_main (&ctx, connect, remote_hangarctl, ssh_config, argc - 1, argv + 1);
  if (remote_hangarctl != NULL || ssh_config != NULL)
    {
      hg_cli_error ("usage", _("--remote-hangarctl and --ssh-config go with --connect"));
      return HG_EXIT_USAGE;
    }

  command = find_command (argv[1]);
  if (command == NULL)
    {
      hg_cli_error (argv[1], _("unknown command; “hangarctl --help” lists them"));
      return HG_EXIT_USAGE;
    }
  for (guint i = 0; bases != NULL && bases[i] != NULL; i++)
    if (bases[i][0] == '\0')
      {
        hg_cli_error (command->name, _("--base needs a directory"));
        return HG_EXIT_USAGE;
      }

  ctx.bases = bases;
  ctx.json = json;
  return command->func (&ctx, argc - 1, argv + 1);
}
