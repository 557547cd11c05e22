#include "terms.h"

#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "reflect.h"

typedef struct {
	const ProtobufCEnumDescriptor *d;
	const char *const *terms; /* index: enum number */
	size_t n;
} term_table_t;

static const char *const tiers[] = {NULL, "高质量孵化器", "高质量培育孵化器", "一般孵化器"};
static const char *const operators[] = {NULL,       "高校/大学科技园", "国家实验室",
                                        "科研院所", "科技领军企业",    "国有企业",
                                        "投资机构", "外资研发中心",    "一流孵化人才"};
static const char *const industries[] = {
        NULL,       "数字化转型", "绿色低碳转型", "集成电路", "生物医药",   "人工智能", "电子信息",
        "生命健康", "汽车",       "高端装备",     "先进材料", "时尚消费品", "数字经济", "绿色低碳",
        "元宇宙",   "智能终端",   "未来健康",     "未来智能", "未来能源",   "未来空间", "未来材料"};
static const char *const platforms[] = {NULL, "概念验证", "中试基地", "实验检测", "专利导航"};
static const char *const qualifications[] = {NULL,       "科技型中小企业", "高新技术企业",
                                             "瞪羚企业", "科技小巨人企业", "硬科技企业"};
static const char *const stages[] = {NULL,   "种子期", "初创期", "成长期",
                                     "毕业", "已落地", "已迁出"};
static const char *const park_types[] = {NULL, "高新技术开发区", "特色产业园区",
                                         "长三角科创示范基地"};
static const char *const relay_steps[] = {NULL, "推荐", "接收", "婉拒", "撤回", "落地", "结案"};
static const char *const dimensions[] = {NULL,
                                         "引进集聚一流人才",
                                         "强化硬科技创新策源",
                                         "促进颠覆性科技成果转化",
                                         "高成长科技企业孵化",
                                         "全要素资源整合赋能"};
static const char *const results[] = {NULL, "优秀", "合格", "动态调整", "淘汰"};

#define TABLE(desc, arr)                                 \
	{                                                \
		&desc, arr, sizeof(arr) / sizeof(arr[0]) \
	}
static const term_table_t tables[] = {
        TABLE(yrdx__incubator_tier__descriptor, tiers),
        TABLE(yrdx__operator_type__descriptor, operators),
        TABLE(yrdx__industry__descriptor, industries),
        TABLE(yrdx__service_platform__descriptor, platforms),
        TABLE(yrdx__qualification__descriptor, qualifications),
        TABLE(yrdx__enterprise_stage__descriptor, stages),
        TABLE(yrdx__park_type__descriptor, park_types),
        TABLE(yrdx__relay_event_type__descriptor, relay_steps),
        TABLE(yrdx__evaluation_dimension__descriptor, dimensions),
        TABLE(yrdx__milestone_result__descriptor, results),
};

const char *yx_term(const ProtobufCEnumDescriptor *d, int value)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (tables[i].d == d)
			return value >= 0 && (size_t)value < tables[i].n ? tables[i].terms[value]
			                                                 : NULL;
	return NULL;
}

const char *yx_case_state_term(yx_case_state_t state)
{
	static const char *const states[] = {
	        [YX_CASE_PROPOSED] = "已推荐", [YX_CASE_ACCEPTED] = "已接收",
	        [YX_CASE_DECLINED] = "已婉拒", [YX_CASE_WITHDRAWN] = "已撤回",
	        [YX_CASE_LANDED] = "已落地",   [YX_CASE_CLOSED] = "已结案",
	};
	return (unsigned)state < sizeof(states) / sizeof(states[0]) ? states[state] : NULL;
}

const char *yx_term_label(const ProtobufCEnumDescriptor *d, int value, char *out, size_t cap)
{
	char name[YX_ENUM_NAME_MAX];
	const char *term = yx_term(d, value);
	if (!yx_enum_to_text(d, value, name, sizeof(name)))
		snprintf(name, sizeof(name), "%d", value);
	if (term)
		snprintf(out, cap, "%s %s", term, name);
	else
		snprintf(out, cap, "%s", name);
	return out;
}
