/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm-type.h"

/*
 * Paste as keystrokes (hg-keymap.h, hg-vm-type.h, hangarctl type): the
 * layouts' tables, then text typed on the demo guest's PS/2 keyboard into
 * its first virtual terminal, where a cat copies each line to the serial
 * console that the test reads.
 */

#define BOOT_TIMEOUT_MS 120000

static HgHostCaps *caps;

/* "qcode" or "shift+qcode" … of each stroke, joined by spaces */
static char *
strokes_text (const char *keymap,
              const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) strokes = hg_keymap_text_to_strokes (keymap, text, &error);
  g_autoptr(GString) s = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < strokes->len; i++)
    {
      HgKeyStroke *k = &g_array_index (strokes, HgKeyStroke, i);

      if (s->len > 0)
        g_string_append_c (s, ' ');
      if (k->mods & HG_KEY_MOD_ALTGR)
        g_string_append (s, "altgr+");
      if (k->mods & HG_KEY_MOD_SHIFT)
        g_string_append (s, "shift+");
      g_string_append (s, k->qcode);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_keymaps (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) none = NULL;
  struct {
    const char *keymap, *text, *strokes;
  } cases[] = {
    { NULL, "Az9", "shift+a z 9" },
    { "en-us", "a-Z!@\n", "a minus shift+z shift+1 shift+2 ret" },
    { "en-us", "\"{|}~<>?", "shift+apostrophe shift+bracket_left shift+backslash "
                            "shift+bracket_right shift+grave_accent shift+comma shift+dot shift+slash" },
    { "en-us", "x\r\ny\tz", "x ret y tab z" },
    { "de", "zy", "y z" },
    { "de", "Zy@€", "shift+y z altgr+q altgr+e" },
    { "de", "ß?\\ä#'<>|", "minus shift+minus altgr+minus apostrophe backslash shift+backslash "
                         "less shift+less altgr+less" },
    { "de", "-_/:{}", "slash shift+slash shift+7 shift+dot altgr+7 altgr+0" },
    { "de", "^", "grave_accent spc" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = strokes_text (cases[i].keymap, cases[i].text);

      g_assert_cmpstr (got, ==, cases[i].strokes);
    }

  none = hg_keymap_text_to_strokes ("en-us", "a€bßc€", &error);
  g_assert_null (none);
  g_assert_error (error, HG_KEYMAP_ERROR, HG_KEYMAP_ERROR_UNMAPPED);
  g_assert_cmpstr (error->message, ==, "The keyboard layout en-us has no key for "
                                       "“€” (U+20AC), “ß” (U+00DF): nothing was typed");
  g_clear_error (&error);
  none = hg_keymap_text_to_strokes ("en-us", "a\x01", &error);
  g_assert_error (error, HG_KEYMAP_ERROR, HG_KEYMAP_ERROR_UNMAPPED);
  g_assert_nonnull (strstr (error->message, "U+0001"));
  g_clear_error (&error);
  none = hg_keymap_text_to_strokes ("fr-ch", "a", &error);
  g_assert_error (error, HG_KEYMAP_ERROR, HG_KEYMAP_ERROR_UNKNOWN_KEYMAP);
  g_assert_nonnull (strstr (error->message, "“fr-ch” (only en-us, de)"));
}

static void
type_sync (HgVm       *vm,
           const char *text)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hg_vm_type_text_async (vm, text, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
}

static void
test_guest (void)
{
  /* every printable ASCII character an en-us keyboard has */
  static const char text[] = "Hello, World 0123456789 abcdefghijklmnopqrstuvwxyz "
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ `~!@#$%^&*()-_=+[{]}\\|;:'\",<.>/?";
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", "typist", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *out = NULL, *err = NULL, *line = NULL;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  vm = hg_vm_new_full (config, NULL, caps);
  hg_test_vm_start (vm, 0);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 30000));

  /* on tty1 (the VGA console, fed by the PS/2 keyboard): every line typed
   * from now on comes out on the serial console */
  type_sync (vm, "cat >/dev/ttyS0\n");
  hg_test_serial_mark (serial);
  type_sync (vm, "ready\n");
  g_assert_true (hg_test_serial_wait_for (serial, "ready", 30000));

  /* one text at a time: a second one while the first is typed is refused */
  {
    g_autoptr(GAsyncResult) first = NULL;
    g_autoptr(GAsyncResult) second = NULL;

    hg_test_serial_mark (serial);
    hg_vm_type_text_async (vm, "one at a time\n", NULL, hg_test_store_result, &first);
    hg_vm_type_text_async (vm, "interleaved\n", NULL, hg_test_store_result, &second);
    g_assert_true (hg_test_wait_result (&second, 10000));
    g_assert_false (hg_vm_action_finish (vm, second, &error));
    g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY);
    g_assert_nonnull (strstr (error->message, "still typing"));
    g_clear_error (&error);
    g_assert_true (hg_test_wait_result (&first, 30000));
    hg_vm_action_finish (vm, first, &error);
    g_assert_no_error (error);
    g_assert_true (hg_test_serial_wait_for (serial, "one at a time", 30000));
  }

  /* through hangarctl: the text arrives intact */
  hg_test_serial_mark (serial);
  line = g_strdup_printf ("%s\n", text);
  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, hg_test_hangarctl_path ());
  g_ptr_array_add (argv, g_strdup ("--base"));
  g_ptr_array_add (argv, g_strdup (base));
  g_ptr_array_add (argv, g_strdup ("type"));
  g_ptr_array_add (argv, g_strdup ("typist"));
  g_ptr_array_add (argv, g_strdup (line));
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (hg_test_run ((const char * const *) argv->pdata, &out, &err, 60000), ==, 0);
  if (!hg_test_serial_wait_for (serial, text, 30000))
    g_error ("typed «%s», the guest's console shows «%s»", text, hg_test_serial_output (serial));

  /* a character en-us lacks: refused, named, nothing typed */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_free (argv->pdata[5]);
  argv->pdata[5] = g_strdup ("typed-anyway €\n");
  g_assert_cmpint (hg_test_run ((const char * const *) argv->pdata, &out, &err, 60000), ==, 2);
  g_assert_nonnull (strstr (err, "has no key for “€” (U+20AC)"));

  /* the VM's keymap decides where the keys are: on de, z and y swap
   * places, and the guest (a US layout) shows what the keys say */
  g_free (hg_vm_get_config (vm)->keymap);
  hg_vm_get_config (vm)->keymap = g_strdup ("de");
  hg_test_serial_mark (serial);
  type_sync (vm, "zy-de\n");
  g_assert_true (hg_test_serial_wait_for (serial, "yz/de", 30000));
  g_assert_null (strstr (hg_test_serial_output (serial), "typed-anyway"));

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/type/keymaps", test_keymaps);
  g_test_add_func ("/hangar/type/guest", test_guest);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
