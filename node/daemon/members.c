/* members: whom this node talks to under the charter — which keys get in, which origins
 * are pulled, which members are pulled from. */
#include "yrdxd.h"

void yxd_members_changed(yxd_t *d)
{
	(void)d;
}
