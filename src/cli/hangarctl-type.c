/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <glib/gi18n.h>

#include "hangarctl-private.h"
#include "hg-vm-type.h"

/*
 * hangarctl type VM TEXT: the text typed into the guest as key presses on
 * the VM's keymap (hg-vm-type.h), for guests without an agent.
 */

static int
cli_type (HgCliContext *ctx,
          int           argc,
          char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GArray) strokes = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("type", _("VM TEXT"),
                             _("Types TEXT into the VM as key presses on its keyboard layout "
                               "(the config's keymap: en-us or de; en-us when unset); a line "
                               "break is Return.  A character the layout has no key for is refused before anything is "
                               "typed."),
                             hg_cli_base_entry (&local_bases), &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("type", argc, 0))
    return HG_EXIT_USAGE;
  if (argc < 3)
    {
      hg_cli_error ("type", _("which text? e.g. 'root'"));
      return HG_EXIT_USAGE;
    }
  if (argc > 3)
    {
      hg_cli_error ("type", _("one text: quote it ('echo hello')"));
      return HG_EXIT_USAGE;
    }
  text = g_strdup (argv[2]);
  vm = hg_cli_open_running_vm (ctx, "type", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  /* refused before the VM is touched, naming the characters */
  strokes = hg_keymap_text_to_strokes (hg_vm_get_config (vm)->keymap, text, &error);
  if (strokes == NULL)
    {
      hg_cli_error ("type", "%s", error->message);
      return HG_EXIT_USAGE;
    }
  hg_vm_type_text_async (vm, text, NULL, hg_cli_store_result, &result);
  if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
    {
      if (error->domain == HG_KEYMAP_ERROR)
        {
          hg_cli_error ("type", "%s", error->message);
          return HG_EXIT_USAGE;
        }
      return hg_cli_vm_fail ("type", error);
    }
  hg_vm_detach (vm);
  return HG_EXIT_OK;
}

const HgCliCommand hg_cli_type_commands[] = {
  { "type", N_("Type a text into a VM as key presses (paste as keystrokes)"), cli_type },
  { NULL }
};
