/*
 * Marks one version requirement (e.g. GLIBCXX_3.4.32) of an ELF64 shared library as weak (VER_FLG_WEAK),
 * so the dynamic loader no longer refuses to load it when the system library lacks that version.
 * The symbols that used the version must be unversioned separately (patchelf --clear-symbol-version).
 * Usage: elf_weaken_version_need FILE VERSION. Idempotent; exits non-zero when the file is not ELF64 or lacks VERSION.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *message, const char *detail)
{
    fprintf(stderr, "elf_weaken_version_need: %s%s\n", message, detail);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return fail("usage: elf_weaken_version_need FILE VERSION", "");
    FILE *file = fopen(argv[1], "r+b");
    if (!file)
        return fail("cannot open ", argv[1]);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *image = malloc((size_t)size);
    if (!image || fread(image, 1, (size_t)size, file) != (size_t)size)
        return fail("cannot read ", argv[1]);

    Elf64_Ehdr *header = (Elf64_Ehdr *)image;
    if (size < (long)sizeof(Elf64_Ehdr) || memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
        header->e_ident[EI_CLASS] != ELFCLASS64)
        return fail("not an ELF64 file: ", argv[1]);

    Elf64_Shdr *sections = (Elf64_Shdr *)(image + header->e_shoff);
    int changed = 0, found = 0;
    for (int s = 0; s < header->e_shnum; s++)
    {
        if (sections[s].sh_type != SHT_GNU_verneed)
            continue;
        const char *strings = (const char *)(image + sections[sections[s].sh_link].sh_offset);
        unsigned char *need = image + sections[s].sh_offset;
        for (;;)
        {
            Elf64_Verneed *entry = (Elf64_Verneed *)need;
            unsigned char *aux = need + entry->vn_aux;
            for (int a = 0; a < entry->vn_cnt; a++)
            {
                Elf64_Vernaux *requirement = (Elf64_Vernaux *)aux;
                if (strcmp(strings + requirement->vna_name, argv[2]) == 0)
                {
                    found = 1;
                    if (!(requirement->vna_flags & VER_FLG_WEAK))
                    {
                        requirement->vna_flags |= VER_FLG_WEAK;
                        changed = 1;
                    }
                }
                if (requirement->vna_next == 0)
                    break;
                aux += requirement->vna_next;
            }
            if (entry->vn_next == 0)
                break;
            need += entry->vn_next;
        }
    }
    if (!found)
        return fail("version requirement not found: ", argv[2]);
    if (changed)
    {
        fseek(file, 0, SEEK_SET);
        if (fwrite(image, 1, (size_t)size, file) != (size_t)size)
            return fail("cannot write ", argv[1]);
    }
    fclose(file);
    free(image);
    return 0;
}
