/* Unit tests of the id -> dense index map (analyzer/idmap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "analyzer/idmap.h"

static void test_idmap_indexes_ids_in_order_of_first_sight(void **state)
{
        struct idmap m = IDMAP_INIT;
        bool added;

        assert_int_equal(idmap_get(&m, 0xffffffff8251db00ull, &added), 0);
        assert_true(added);
        assert_int_equal(idmap_get(&m, 0, &added), 1);
        assert_true(added);
        assert_int_equal(idmap_get(&m, 0xffffffff8251db00ull, &added), 0);
        assert_false(added);
        assert_int_equal(m.n, 2);
        idmap_free(&m);
        idmap_free(&m); /* a freed map is a zeroed map */
}

static void test_idmap_holds_many_ids_through_growth(void **state)
{
        struct idmap m = IDMAP_INIT;
        bool added;

        /* ids that share their low bits, as kernel pointers do */
        for (uint64_t k = 0; k < 100000; k++)
                assert_int_equal(idmap_get(&m, 0xfffff80000000000ull + (k << 12), &added),
                                 (int64_t)k);
        for (uint64_t k = 0; k < 100000; k += 997) {
                assert_int_equal(idmap_get(&m, 0xfffff80000000000ull + (k << 12), &added),
                                 (int64_t)k);
                assert_false(added);
        }
        assert_true(m.nslots >= 2 * m.n);
        idmap_free(&m);
}

static void test_idmap_clear_forgets_ids(void **state)
{
        struct idmap m = IDMAP_INIT;
        bool added;

        assert_int_equal(idmap_get(&m, 7, &added), 0);
        assert_int_equal(idmap_get(&m, 9, &added), 1);
        idmap_clear(&m);
        assert_int_equal(m.n, 0);
        assert_int_equal(idmap_get(&m, 9, &added), 0);
        assert_true(added);
        idmap_free(&m);
}

/* A clear of a few ids in a large table frees their slots only (a log of
 * many reboots was quadratic): every id is gone, and the table works on. */
static void test_idmap_clear_of_few_ids_in_a_large_table(void **state)
{
        struct idmap m = IDMAP_INIT;
        bool added;

        (void)state;
        for (uint64_t id = 0; id < 10000; id++)
                assert_int_equal(idmap_get(&m, id * 7919, &added), (int64_t)id);
        idmap_clear(&m);
        for (int round = 0; round < 50; round++) {
                for (uint64_t id = 0; id < 20; id++) {
                        /* colliding and not: ids that share probe runs */
                        assert_int_equal(idmap_get(&m, id * 7919 + (uint64_t)round, &added),
                                         (int64_t)id);
                        assert_true(added);
                }
                for (uint64_t id = 0; id < 20; id++) {
                        assert_int_equal(idmap_get(&m, id * 7919 + (uint64_t)round, &added),
                                         (int64_t)id);
                        assert_false(added);
                }
                idmap_clear(&m);
                assert_int_equal(m.n, 0);
                for (size_t k = 0; k < m.nslots; k++)
                        assert_int_equal(m.slots[k], 0);
        }
        idmap_free(&m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_idmap_indexes_ids_in_order_of_first_sight),
            cmocka_unit_test(test_idmap_holds_many_ids_through_growth),
            cmocka_unit_test(test_idmap_clear_forgets_ids),
            cmocka_unit_test(test_idmap_clear_of_few_ids_in_a_large_table),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
